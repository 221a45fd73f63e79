/**
 * How the script's end crosses back to the host (runs inside the isolate): its value as JSON
 * within the size limit, or its failure as a code and a message that points at the script line.
 */
import { errorText, isHostError, isObject, jsonStringify, RangeErrorCtor, RUN_LEVEL } from './common';
import type { PreludeResult } from './contract';

let maxResultBytes = 0;

/** Sets the result size limit (once, at install). */
export function limitResult(bytes: number): void {
  maxResultBytes = bytes;
}

// The file name transform.ts gives the user's script.
const SCRIPT_FRAME = /workflow\.js:(\d+):(\d+)/;

function locate(e: unknown): string {
  try {
    const m = SCRIPT_FRAME.exec(String((e as { stack?: unknown }).stack));
    return m ? ' (at line ' + m[1] + ':' + m[2] + ')' : '';
  } catch {
    return '';
  }
}

function describeFailure(e: unknown): PreludeResult {
  try {
    const code = isObject(e) ? e.code : undefined;
    if (typeof code === 'string' && (RUN_LEVEL.has(code) || isHostError(e as object))) {
      return { ok: false, code: code, message: String((e as { message?: unknown }).message) };
    }
    if (e instanceof RangeErrorCtor && e.message === 'Array buffer allocation failed')
      return { ok: false, code: 'memory_limit', message: '' };
    return { ok: false, code: 'script_error', message: errorText(e) + locate(e) };
  } catch {
    return { ok: false, code: 'script_error', message: 'The script threw a value that could not be inspected' };
  }
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** What JSON would silently drop or turn to null: a value the run's result cannot carry. */
function unrepresentable(x: unknown): string | null {
  const t = typeof x;
  return t === 'function' ? 'a function' : t === 'symbol' ? 'a Symbol' : t === 'bigint' ? 'a BigInt' : null;
}

function serialise(value: unknown): PreludeResult {
  // A script that returns nothing (or undefined) would converge with nothing to route on: that is
  // almost always a forgotten `return`, so it fails by name. `return null` says "nothing" on purpose.
  if (value === undefined) {
    return {
      ok: false,
      code: 'script_error',
      message: 'The script returned undefined: end it with `return <result>` (`return null` when there is nothing to return)',
    };
  }
  let bad: string | null = null;
  let json: string | undefined;
  try {
    json = jsonStringify(value, function (key: string, x: unknown): unknown {
      const what = unrepresentable(x);
      if (what === null) return x;
      if (bad === null) bad = key === '' ? what : what + ' at key ' + jsonStringify(key);
      return undefined;
    });
  } catch (e) {
    return { ok: false, code: 'script_error', message: 'The script returned a value that is not JSON-serialisable: ' + errorText(e) };
  }
  if (bad !== null) return { ok: false, code: 'script_error', message: 'The script returned a value JSON cannot represent: ' + bad };
  if (json === undefined) json = 'null';
  // UTF-8 never takes fewer bytes than UTF-16 code units, so this is a safe early refusal.
  if (json.length > maxResultBytes) return { ok: false, code: 'result_too_large', bytes: utf8Length(json) };
  return { ok: true, json: json };
}

/** Runs the script's main function to its end and describes how it ended. */
export async function run(main: () => unknown): Promise<PreludeResult> {
  let value: unknown;
  try {
    value = await main();
  } catch (e) {
    return describeFailure(e);
  }
  return serialise(value);
}
