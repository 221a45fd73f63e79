/** Copies what tsc does not emit (node and credential icons, node codex files) into dist/. */
const { src, dest } = require('gulp');

function buildIcons() {
  return src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(
    dest('dist'),
  );
}

exports['build:icons'] = buildIcons;
