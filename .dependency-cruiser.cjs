/**
 * The sidecar's layers, lowest first (docs/architecture.md explains each). A folder may import
 * its own files and any folder of a lower layer; never a folder of its own layer or a higher
 * one, and no file may take part in an import cycle. `npm test` runs this check.
 */
const LAYERS = [
  ['errors'],
  ['core', 'bundle-text'],
  ['config', 'providers', 'store', 'tools', 'sandbox', 'callbacks', 'isolation', 'version'],
  ['verification', 'mcp', 'cluster'],
  ['offline', 'agents'],
  ['planner'],
  ['engine'],
  ['http'],
  ['ui'],
  ['app'],
  ['cli', 'bench', 'index'],
];

const SRC = '^sidecar/src/';
const folder = (name) => `${SRC}${name}(/|\\.ts$)`;

const forbidden = [
  {
    name: 'no-cycles',
    severity: 'error',
    comment: 'Import cycles make the layers meaningless and the load order fragile.',
    from: { path: SRC },
    to: { circular: true },
  },
  {
    name: 'no-unknown-folder',
    severity: 'error',
    comment: 'Every folder of sidecar/src belongs to a layer: add a new one to LAYERS (and to docs/architecture.md).',
    from: { path: SRC, pathNot: LAYERS.flat().map(folder) },
    to: {},
  },
];

LAYERS.forEach((layer, rank) => {
  const notBelow = LAYERS.slice(rank).flat();
  for (const name of layer) {
    forbidden.push({
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name} may import only lower layers: ${LAYERS.slice(0, rank).flat().join(', ') || 'nothing'}`,
      from: { path: folder(name) },
      to: { path: notBelow.filter((n) => n !== name).map(folder) },
    });
  }
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '\\.d\\.ts$'] },
    tsPreCompilationDeps: true,
  },
};
