import { DwError } from '../errors/errors';

/** The `error.type` values of the Anthropic API that the offline model answers with. */
export type ApiErrorType =
  'invalid_request_error' | 'not_found_error' | 'request_too_large' | 'rate_limit_error' | 'api_error' | 'overloaded_error';

const STATUS: Readonly<Record<ApiErrorType, number>> = {
  invalid_request_error: 400,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/** An error the offline model sends back in the Anthropic shape, with that API's status code. */
export class OfflineApiError extends DwError {
  readonly type: ApiErrorType;
  constructor(type: ApiErrorType, message: string) {
    super(`offline_${type}`, message, STATUS[type]);
    this.type = type;
  }

  /** `{type:'error', error:{type, message}, request_id}` as the real API sends it. */
  body(requestId: string): ApiErrorBody {
    return { type: 'error', error: { type: this.type, message: this.message }, request_id: requestId };
  }
}

export interface ApiErrorBody {
  readonly type: 'error';
  readonly error: { readonly type: ApiErrorType; readonly message: string };
  readonly request_id: string;
}

export const invalidRequest = (message: string): OfflineApiError => new OfflineApiError('invalid_request_error', message);
