#!/bin/sh
# Entrypoint of the n8n image built by the repository's Dockerfile (target `n8n`).
# n8n 2.41.1 loads community packages only from <user folder>/.n8n/nodes/node_modules, which
# lives in n8n's data volume. The image keeps this package's build in /opt/dynamic-workflows
# and copies it there on every start, so a rebuilt image replaces the nodes of an older one on
# an existing volume. Then n8n's own entrypoint runs (`n8n`, or `n8n worker` with that command).
set -eu

package=n8n-nodes-dynamic-workflows
source_dir="/opt/dynamic-workflows/${package}"
nodes_dir="${N8N_USER_FOLDER:-${HOME:-/home/node}}/.n8n/nodes"
target="${nodes_dir}/node_modules/${package}"
# A dot name, so n8n's scan (node_modules/n8n-nodes-*) never loads a half-copied package.
staging="${nodes_dir}/node_modules/.${package}.staging"

mkdir -p "${nodes_dir}/node_modules"
if [ ! -f "${nodes_dir}/package.json" ]; then
  printf '%s\n' '{"name":"installed-nodes","private":true,"dependencies":{}}' > "${nodes_dir}/package.json"
fi
rm -rf "${staging}"
cp -R "${source_dir}" "${staging}"
rm -rf "${target}"
mv "${staging}" "${target}"

exec /docker-entrypoint.sh "$@"
