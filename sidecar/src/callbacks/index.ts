export { CallbackService } from './service';
export { signCallback, verifyCallbackSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER, type VerifyOptions } from './signature';
export {
  CALLBACK_EVENTS,
  DEFAULT_CALLBACK_EVENTS,
  callbackPayload,
  isCallbackEvent,
  isHttpUrl,
  normalizeCallbackSpec,
  redactUrl,
  MAX_CALLBACK_URL_LENGTH,
} from './spec';
export { classifyResponse, backoffDelay, type DeliveryOutcome } from './outcome';
export type {
  CallbackDelivery,
  CallbackLogger,
  CallbackPayload,
  CallbackRegistration,
  CallbackRunEvent,
  CallbackServiceOptions,
  DeliveryState,
  RetryOptions,
} from './types';
