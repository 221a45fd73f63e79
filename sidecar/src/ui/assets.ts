import { createHash } from 'node:crypto';
import { SCRIPT_API_GLOBALS, VERIFICATION_GLOBALS } from '../sandbox/globals';
import { ACTIONS_JS } from './client/actions';
import { AGENTS_JS } from './client/agents-log';
import { API_JS } from './client/api';
import { APP_JS } from './client/app';
import { DOM_JS } from './client/dom';
import { HIGHLIGHT_JS } from './client/highlight';
import { RUN_OVERVIEW_JS } from './client/run-overview';
import { RUN_STATE_JS } from './client/run-state';
import { RUN_VIEW_JS } from './client/run-view';
import { RUNS_JS } from './client/runs-list';
import { SCRIPT_JS } from './client/script-view';
import { STYLES_CSS } from './client/styles';

/*
 * The page's script lives in TypeScript modules as text rather than in .js files beside them:
 * `tsc` (the sidecar's only build step) then ships it in dist/ with no copy step, and the
 * sidecar's DOM-less type settings never see browser code.
 */

/** The names the highlighter shows as workflow globals: the sandbox's own list, so the two never drift. */
const GLOBALS_JS = `dw.SCRIPT_GLOBALS = ${JSON.stringify([...SCRIPT_API_GLOBALS, ...VERIFICATION_GLOBALS])};`;

/** Client modules in dependency order; each adds to the bundle's `dw` namespace. */
export const CLIENT_MODULES: readonly string[] = [
  GLOBALS_JS, DOM_JS, API_JS, HIGHLIGHT_JS, RUN_STATE_JS, RUN_OVERVIEW_JS, ACTIONS_JS, SCRIPT_JS, AGENTS_JS, RUN_VIEW_JS, RUNS_JS, APP_JS,
];

export interface Asset {
  readonly body: string;
  readonly type: string;
  /** Short content hash: the asset URL carries it, so browsers may cache it for good. */
  readonly version: string;
}

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

function asset(body: string, type: string): Asset {
  return { body, type, version: hashOf(body) };
}

/** One script: an IIFE with the `dw` namespace, started once the document is parsed (it loads with `defer`). */
export const APP_SCRIPT: Asset = asset(
  `(function () {\n'use strict';\nvar dw = {};\n${CLIENT_MODULES.join('\n')}\ndw.main();\n})();\n`,
  'text/javascript; charset=utf-8',
);

export const STYLESHEET: Asset = asset(STYLES_CSS, 'text/css; charset=utf-8');
