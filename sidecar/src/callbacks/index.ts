export { CallbackService } from './service';
export { CallbackHosts, type SelfAddress } from './hosts';
export {
  CallbackGroupExistsError,
  CallbackGroupNotFoundError,
  CallbackGroupLimitError,
  CallbackHostNotAllowedError,
  CallbackLimitError,
  GroupRunsNotFoundError,
} from './errors';
export { DEFAULT_MAX_GROUP_RUNS, GROUP_WAITS, conditionHolds, groupPayload, normalizeGroupSpec } from './group-spec';
export type { GroupRegistration } from './groups';
export { createPoster, type CallbackPoster } from './post';
export {
  signCallback,
  signedPath,
  verifyCallbackSignature,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_MS,
  TIMESTAMP_HEADER,
  type VerifyOptions,
} from './signature';
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
export { classifyResponse, backoffDelay, retryDelay, type DeliveryOutcome } from './outcome';
export type {
  CallbackDelivery,
  CallbackGroup,
  CallbackGroupSpec,
  CallbackLogger,
  CallbackPayload,
  CallbackRegistration,
  CallbackRunEvent,
  CallbackRunSource,
  CallbackServiceOptions,
  CallbackStore,
  DeliveryState,
  GroupPayload,
  GroupRunPayload,
  GroupState,
  GroupWait,
  RetryOptions,
} from './types';
