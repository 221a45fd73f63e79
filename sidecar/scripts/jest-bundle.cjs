// Jest global setup: bundles the isolate preludes and the live page (scripts/bundle.mjs) before
// the tests run, so a fresh clone needs no build first and tests always see the current sources.
'use strict';

module.exports = async function bundleForTests() {
  const { bundleAll } = await import('./bundle.mjs');
  await bundleAll();
};
