/**
 * The core prelude's entry point. The bundle of this file (dist/bundles/dw-prelude.js, built by
 * scripts/bundle.mjs) evaluates to `install`; the host calls it once per isolate, before the
 * script, with the host functions and the config (see InstallArguments). It installs the guards
 * and the script API on the global object and returns the private functions for the host:
 * `run(main)`, `emit(type, payload)` (handed to prelude modules as `__emit`), `lock()`,
 * `status()` (agents issued so far) and `register(factory)` (a child script of workflow()).
 */
import { installApi } from './api';
import { installCollections } from './collections';
import type { InstallArguments, PreludeApi, PreludeConfig } from './contract';
import { installGuards } from './guards';
import { limitResult } from './result';

export function install(...[agent, phase, log, budget, emit, message, workflow, configJson]: InstallArguments): PreludeApi {
  const config = JSON.parse(configJson) as PreludeConfig;
  limitResult(config.limits.maxResultBytes);
  const lock = installGuards(message, config.lockGlobals);
  installCollections(config.limits.maxCollectionEntries, message);
  const api = installApi({ agent, phase, log, budget, emit, message, workflow }, config);
  return { run: api.run, emit: api.emit, lock, status: api.status, register: api.register };
}
