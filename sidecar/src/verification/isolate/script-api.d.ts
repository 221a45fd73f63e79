/**
 * The script API the core prelude installs before the verification helpers run (see
 * sandbox/isolate/api.ts): the part of it the helpers call.
 */
declare function agent(prompt: string, options?: Record<string, unknown>): Promise<unknown>;
