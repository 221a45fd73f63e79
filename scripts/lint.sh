#!/usr/bin/env bash
# Lints the node package with n8n's own community-node linter (`n8n-node lint`).
# @n8n/node-cli cannot be a devDependency: its eslint-plugin-n8n-nodes-base dependency has a
# `preinstall: only-allow pnpm` script that breaks `npm install`. It is installed here, once
# per machine, with scripts disabled, as an npm "global" prefix in a cache folder outside the
# repository.
set -euo pipefail
cli_version="0.48.3"
eslint_version="9.29.0"
root="${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-dynamic-workflows"
dir="$root/node-cli-$cli_version"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ ! -f "$dir/.installed" ] || [ ! -x "$dir/bin/n8n-node" ] || [ ! -x "$dir/bin/eslint" ]; then
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  echo "lint: installing @n8n/node-cli@$cli_version into $dir (once per machine)" >&2
  npm install --global --prefix "$dir.tmp" "@n8n/node-cli@$cli_version" "eslint@$eslint_version" \
    --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  touch "$dir.tmp/.installed"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
fi

# `n8n-node lint` runs `npm exec -- eslint .`, which takes a binary from the project or from
# npm's global prefix: pointing the global prefix at the cache folder makes it use the
# cached eslint instead of fetching the newest one.
export npm_config_prefix="$dir"

# Strict mode requires eslint.config.mjs to be n8n's default, which imports
# '@n8n/node-cli/eslint' by name. That package is in the cache folder, not in the
# repository's node_modules, so a module resolve hook (loaded into every Node process of the
# lint, eslint included) maps that one name to the cached copy.
config="$dir/lib/node_modules/@n8n/node-cli/dist/configs/eslint.js"
hook="$dir/resolve-node-cli.mjs"
cat > "$hook" <<HOOK
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
const config = pathToFileURL(${config@Q}).href;
const source = \`export async function resolve(specifier, context, next) {
  if (specifier === '@n8n/node-cli/eslint') return { url: \${JSON.stringify(config)}, format: 'commonjs', shortCircuit: true };
  return next(specifier, context);
}\`;
register(\`data:text/javascript,\${encodeURIComponent(source)}\`);
HOOK
export NODE_OPTIONS="${NODE_OPTIONS:-} --import=$hook"

# `n8n-node lint` lints the whole working folder, and its strict mode forbids narrowing that
# in eslint.config.mjs. The repository also holds the sidecar and the tests, which are not
# part of the node package (and legitimately use timers, process, node:fs …), so the lint
# runs in a staging folder holding exactly the package's sources. Findings are reported with
# repository paths; with --fix, fixed files are copied back.
node "$repo/scripts/vocabulary.js"
stage="$(mktemp -d "${TMPDIR:-/tmp}/dw-node-lint.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp "$repo"/package.json "$repo"/eslint.config.mjs "$repo"/tsconfig.json "$repo"/tsconfig.base.json "$stage"/
cp -R "$repo"/credentials "$repo"/nodes "$stage"/
ln -s "$repo/node_modules" "$stage/node_modules"

set +e
(cd "$stage" && "$dir/bin/n8n-node" lint "$@") 2>&1 | sed "s#$stage#$repo#g"
status=${PIPESTATUS[0]}
set -e

for arg in "$@"; do
  if [ "$arg" = "--fix" ]; then
    cp -R "$stage"/credentials/. "$repo"/credentials/
    cp -R "$stage"/nodes/. "$repo"/nodes/
  fi
done
exit "$status"
