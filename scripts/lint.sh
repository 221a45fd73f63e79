#!/usr/bin/env bash
# Lints the node package with n8n's own community-node linter (`n8n-node lint`), from the
# @n8n/node-cli devDependency (its eslint-plugin-n8n-nodes-base has a `preinstall: npx
# only-allow pnpm` script; npm 11 does not run dependency install scripts unless they are
# approved, and the project's .npmrc sets yes=true so an npx never waits at a prompt).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$repo/node_modules/.bin/n8n-node"

if [ ! -x "$cli" ] || [ ! -x "$repo/node_modules/.bin/eslint" ]; then
  echo "lint: $cli or eslint is missing; run \`npm ci\` (both are devDependencies)" >&2
  exit 1
fi

# `n8n-node lint` lints the whole working folder, and its strict mode forbids narrowing that
# in eslint.config.mjs. The repository also holds the sidecar and the tests, which are not
# part of the node package (and legitimately use timers, process, node:fs …), so the lint
# runs in a staging folder holding exactly the package's sources, with the repository's
# node_modules linked in: `npm exec -- eslint .` (what `n8n-node lint` runs) finds the
# project's eslint there, and eslint.config.mjs finds '@n8n/node-cli/eslint'. Findings are
# reported with repository paths; with --fix, fixed files are copied back.
node "$repo/scripts/vocabulary.js"
stage="$(mktemp -d "${TMPDIR:-/tmp}/dw-node-lint.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp "$repo"/package.json "$repo"/.npmrc "$repo"/eslint.config.mjs "$repo"/tsconfig.json "$repo"/tsconfig.base.json "$stage"/
cp -R "$repo"/credentials "$repo"/nodes "$stage"/
ln -s "$repo/node_modules" "$stage/node_modules"

set +e
(cd "$stage" && "$cli" lint "$@") 2>&1 | sed "s#$stage#$repo#g"
status=${PIPESTATUS[0]}
set -e

for arg in "$@"; do
  if [ "$arg" = "--fix" ]; then
    cp -R "$stage"/credentials/. "$repo"/credentials/
    cp -R "$stage"/nodes/. "$repo"/nodes/
  fi
done
exit "$status"
