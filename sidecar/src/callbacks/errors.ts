import { DwError } from '../errors/errors';

/** A callback URL whose host the operator did not allow (DW_CALLBACK_HOSTS), or the sidecar itself. */
export class CallbackHostNotAllowedError extends DwError {
  constructor(message: string) {
    super('callback_host_not_allowed', message, 400);
  }
}

/** A run already has as many callback registrations as it may have. */
export class CallbackLimitError extends DwError {
  constructor(limit: number) {
    super('callback_limit', `A run may have at most ${limit} callback URLs; register again with one of them to change its events`, 409);
  }
}

/** A group names more runs than one callback may wait for. */
export class CallbackGroupLimitError extends DwError {
  constructor(given: number, limit: number) {
    super('callback_group_limit', `A callback group may name at most ${limit} runs; got ${given}. Split the runs into several groups`, 422);
  }
}

/** Another group, for other runs or another condition, is already registered for this URL. */
export class CallbackGroupExistsError extends DwError {
  constructor(id: string) {
    super(
      'callback_group_exists',
      `Callback group ${id} is already registered for this URL with other runs or another condition; a URL resumes one wait`,
      409,
    );
  }
}

/** Runs a group names that do not exist. */
export class GroupRunsNotFoundError extends DwError {
  readonly runIds: readonly string[];
  constructor(runIds: readonly string[]) {
    const shown = runIds.slice(0, 5).join(', ');
    super('run_not_found', `No run with id ${shown}${runIds.length > 5 ? ` (and ${runIds.length - 5} more)` : ''}`, 404);
    this.runIds = runIds;
  }
}

export class CallbackGroupNotFoundError extends DwError {
  constructor(id: string) {
    super('callback_group_not_found', `No callback group with id ${id}`, 404);
  }
}
