export { IsolatedVmSandbox, type IsolatedVmSandboxOptions } from './isolated-vm-sandbox';
export { checkScript, type CheckOptions } from './check';
export { ScriptCheckIssuesError, type ScriptIssue } from './check-error';
export { ALLOWED_GLOBALS, BUILTIN_GLOBALS, SCRIPT_API_GLOBALS, VERIFICATION_GLOBALS } from './globals';
export type { CheckedScript, SandboxHost, SandboxLimits, SandboxOutcome, ScriptRun, ScriptSandbox } from './types';
