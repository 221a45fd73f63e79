'use strict';
// The Node flags the sidecar runs with. isolated-vm needs --no-node-snapshot. A young generation
// of at most 8 MB per semi-space keeps the peak memory of a large fan-out about 25 MB lower than
// V8's default at no measured CPU cost (`npm run bench`); an operator's own size wins.
// The launcher (dynamic-workflows.js) adds what is missing; starters that run dist/cli/main.js
// themselves (npm start, the benchmarks) pass NODE_FLAGS.

const NODE_FLAGS = Object.freeze(['--no-node-snapshot', '--max-semi-space-size=8']);

/** A flag's name, as Node compares V8 flags (`_` and `-` alike, no value). */
const nameOf = (flag) => flag.split('=')[0].replace(/_/g, '-');

/** The flags of NODE_FLAGS that `given` (execArgv and NODE_OPTIONS words) does not set, with a value or without. */
function missingFlags(given) {
  const names = new Set(given.map(nameOf));
  return NODE_FLAGS.filter((flag) => !names.has(nameOf(flag)));
}

module.exports = { NODE_FLAGS, missingFlags };
