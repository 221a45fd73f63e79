import { DwError } from '../errors/errors';

/**
 * A tool ran but could not do what was asked (missing file, bad regex, HTTP failure).
 * The agent loop hands the message back to the model as an error tool_result.
 */
export class ToolFailedError extends DwError {
  constructor(message: string) {
    super('tool_failed', message, 422);
  }
}

/** http_get was asked for a host (or a redirect to a host) the operator did not allow. */
export class HostNotAllowedError extends DwError {
  constructor(message: string) {
    super('host_not_allowed', message, 403);
  }
}

/** A glob (list_files `pattern`, grep `glob`) with more wildcards or nesting than a path filter needs. */
export class GlobTooComplexError extends DwError {
  constructor(message: string) {
    super('glob_too_complex', message, 400);
  }
}
