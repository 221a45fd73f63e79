#!/usr/bin/env bash
# Installs n8n (the version the tests target) into a cache folder outside the repository,
# keyed by version, so a fresh clone on the same machine reuses it. Never a dependency of the package.
# Prints the folder holding node_modules/.bin/n8n on its last line.
set -euo pipefail
version="${N8N_VERSION:-2.41.1}"
root="${DW_N8N_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-dynamic-workflows}"
dir="$root/n8n-$version"
if [ -f "$dir/.installed" ] && [ -x "$dir/node_modules/.bin/n8n" ]; then
  echo "$dir"; exit 0
fi
# Two processes (two test files) may ask at once on a fresh machine: one installs, the other waits.
mkdir -p "$root"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$root/.n8n-$version.lock"
  flock 9
  if [ -f "$dir/.installed" ] && [ -x "$dir/node_modules/.bin/n8n" ]; then
    echo "$dir"; exit 0
  fi
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 24 ]; then
  echo "ensure-n8n: Node 24 is required (found $(node --version)); run through npm so node@24 is on the PATH" >&2
  exit 1
fi
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
cd "$dir.tmp"
echo '{"name":"n8n-cache","private":true}' > package.json
echo "ensure-n8n: installing n8n@$version into $dir (several minutes, once per machine)" >&2
# n8n's Kafka client has native code that does not build here; scripts are skipped and only
# sqlite3 (n8n's default database driver) is built.
npm install "n8n@$version" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
npm rebuild sqlite3 --loglevel=error >&2
touch .installed
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
