/**
 * The offline model: a deterministic local model speaking the Anthropic Messages API over
 * HTTP. It is the default provider when no API key is set, and what tests and demos run on.
 */
export { createOfflineModelServer, type OfflineModelServer, type OfflineModelServerOptions } from './server';
export { OfflineModel, type OfflineModelOptions, type MessagesOutcome, type ModelInfo } from './model';
export { route, type OfflineRequest, type OfflineResponse } from './routes';
export { DEFAULT_KNOBS, knobsFromEnv, validateKnobs, type OfflineKnobs } from './knobs';
export type { OfflineStats } from './stats';
export { inFlightSeries, OBSERVATION_CAP, type Observations, type ObservedOutcome, type RequestObservation } from './observations';
export { OfflineApiError, type ApiErrorType } from './api-error';
export { parseDirectives, type Directives, type BrokenPlan } from './directives';
export { planFor, repairPlan, type Plan, type PlanKind } from './plans';
export { SUBMIT_TOOL, taskOf } from './planner-answer';
export { STRUCTURED_OUTPUT_TOOL } from './agent-answer';
export { PromptCache, countInputTokens, tokensForChars, type TokenAccount } from './prompt-cache';
export { valueForSchema } from './schema-value';
