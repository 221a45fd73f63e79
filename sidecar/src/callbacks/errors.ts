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
