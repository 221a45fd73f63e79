/**
 * Option checks shared by the verification helpers (runs inside the isolate). Each helper
 * refuses option names it does not know, since a typo would otherwise be ignored silently.
 */

/** A helper's options, as the script passed them. */
export type Options = Readonly<Record<string, unknown>>;

// Keys every helper passes through to agent() unchanged (converge hands them to its step as state.agentOptions).
const AGENT_OPTIONS: readonly string[] = ['schema', 'tools', 'model', 'system', 'maxTurns', 'phase', 'effort', 'agentType'];

export function optionError(helper: string, message: string): TypeError {
  return new TypeError(helper + ': ' + message);
}

/** The options object, after refusing names the helper does not know (a typo would be ignored silently). */
export function readOptions(helper: string, options: unknown, known: readonly string[]): Options {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw optionError(helper, 'expected the options to be an object');
  const o = options as Options;
  for (const name of Object.keys(o)) {
    if (o[name] !== undefined && !known.includes(name) && !AGENT_OPTIONS.includes(name)) {
      throw optionError(helper, 'unknown option ' + JSON.stringify(name) + ' (known: ' + known.concat(AGENT_OPTIONS).join(', ') + ')');
    }
  }
  return o;
}

export function intOption<F extends number | null>(
  helper: string,
  options: Options,
  name: string,
  min: number,
  max: number,
  fallback: F,
): number | F {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw optionError(helper, 'expected ' + name + ' to be an integer in ' + min + '..' + max + ', got ' + JSON.stringify(value));
  }
  return value;
}

export function stringOption(helper: string, options: Options, name: string, fallback: string): string {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw optionError(helper, 'expected ' + name + ' to be a string');
  return value;
}

export function functionOption<F extends (...args: never[]) => unknown>(helper: string, options: Options, name: string): F | null {
  const value = options[name];
  if (value === undefined) return null;
  if (typeof value !== 'function') throw optionError(helper, 'expected ' + name + ' to be a function');
  return value as F;
}

/** The options a helper hands on to every agent() call. */
export function agentOptionsOf(options: Options): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of AGENT_OPTIONS) if (options[name] !== undefined) out[name] = options[name];
  return out;
}
