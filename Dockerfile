# syntax=docker/dockerfile:1
#
# The dynamic-workflows sidecar (`dynamic-workflows serve`), and the n8n image with this
# package's nodes installed (target `n8n`, used by docker-compose.yml).
#
#   docker build -t dynamic-workflows-sidecar .              # the sidecar (the last stage)
#   docker build --target n8n -t dynamic-workflows-n8n .     # n8n 2.41.1 + the node package
#
# The sidecar needs Node 24 (node:sqlite; isolated-vm 7 ships prebuilt binaries for linux x64
# and arm64 on glibc, so the slim Debian image needs no compiler).

# The Node of the project's devDependency `node` (what npm start and npm test run on).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim
ARG N8N_IMAGE=docker.n8n.io/n8nio/n8n:2.41.1

# ---------------------------------------------------------------------------------------------
# build: the whole workspace, as `npm ci && npm run build` does it on a machine
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
# A compiler for the native add-ons of dev dependencies (ssh2, @sentry/*, via n8n-core) that
# fall back to building from source, and for isolated-vm where no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifests first, so the dependency layer is reused while only sources change. .npmrc holds
# `yes=true`, which a dev dependency's preinstall (`npx only-allow`) needs to run unattended.
COPY package.json package-lock.json .npmrc ./
COPY sidecar/package.json sidecar/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json gulpfile.js ./
COPY sidecar/ sidecar/
RUN npm run build -w sidecar

# ---------------------------------------------------------------------------------------------
# sidecar-deps: the sidecar's production dependencies only (the build's tree, pruned)
# ---------------------------------------------------------------------------------------------
FROM build AS sidecar-deps
# Removes every devDependency of the root and of the workspace (TypeScript, esbuild, Jest,
# n8n-core, …); what stays is what `@dynamic-workflows/sidecar` needs at run time.
RUN npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p sidecar/node_modules

# ---------------------------------------------------------------------------------------------
# nodes: the n8n node package, packed and installed the way scripts/lib/package.js installs it
# into n8n's community-nodes folder (no scripts, no bin links, no peer dependencies)
# ---------------------------------------------------------------------------------------------
FROM build AS nodes
COPY nodes/ nodes/
COPY credentials/ credentials/
COPY scripts/vocabulary.js scripts/vocabulary.js
RUN npm run build:nodes \
 && npm pack --pack-destination /tmp \
 && mkdir -p /out/nodes \
 && cd /out/nodes \
 && printf '{"name":"installed-nodes","private":true,"dependencies":{}}\n' > package.json \
 && npm install /tmp/n8n-nodes-dynamic-workflows-*.tgz --ignore-scripts --legacy-peer-deps \
      --bin-links=false --package-lock=false --no-audit --no-fund \
 && test -f node_modules/n8n-nodes-dynamic-workflows/dist/credentials/DynamicWorkflowsApi.credentials.js

# ---------------------------------------------------------------------------------------------
# n8n: n8n 2.41.1 with the node package. n8n 2.41.1 loads community packages only from
# <N8N_USER_FOLDER>/.n8n/nodes/node_modules, which is inside n8n's data volume; the package
# is kept in /opt/dynamic-workflows and copied there on every start (docker/n8n-entrypoint.sh),
# so a new image brings its nodes even onto an old volume.
# ---------------------------------------------------------------------------------------------
FROM ${N8N_IMAGE} AS n8n
USER root
COPY --from=nodes --chown=node:node /out/nodes/node_modules/n8n-nodes-dynamic-workflows /opt/dynamic-workflows/n8n-nodes-dynamic-workflows
COPY --chown=node:node examples/ /opt/dynamic-workflows/examples/
COPY --chown=node:node docker/sidecar-credential.json /opt/dynamic-workflows/sidecar-credential.json
COPY --chmod=755 docker/n8n-entrypoint.sh /opt/dynamic-workflows/n8n-entrypoint.sh
USER node
# n8n's own entrypoint (tini → /docker-entrypoint.sh), with the package copied in first.
ENTRYPOINT ["tini", "--", "/opt/dynamic-workflows/n8n-entrypoint.sh"]

# ---------------------------------------------------------------------------------------------
# sidecar (the default target): runtime files only, as a non-root user
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS sidecar
# tini as PID 1: the server's last resort after a script wedged an isolate is to SIGKILL
# itself, and the kernel ignores that signal from a PID-namespace init (node as PID 1).
# tini also forwards SIGTERM/SIGINT to the server and reaps any child process.
# git: agents with isolation: 'worktree' get a git worktree of a repository workspace.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini git \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dw \
 && useradd --system --uid 10001 --gid dw --home-dir /app --shell /usr/sbin/nologin dw \
 && mkdir -p /data \
 && chown dw:dw /data \
 && chmod 0700 /data
WORKDIR /app
ENV NODE_ENV=production \
    DW_HOST=0.0.0.0 \
    DW_PORT=7420 \
    DW_DATA_DIR=/data
COPY --from=sidecar-deps --chown=root:root /src/node_modules ./node_modules
COPY --from=sidecar-deps --chown=root:root /src/sidecar/node_modules ./sidecar/node_modules
COPY --from=build --chown=root:root /src/sidecar/package.json ./sidecar/package.json
COPY --from=build --chown=root:root /src/sidecar/bin ./sidecar/bin
COPY --from=build --chown=root:root /src/sidecar/dist ./sidecar/dist
USER dw
VOLUME ["/data"]
EXPOSE 7420
# /healthz needs no token; Node's own fetch, so no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.DW_PORT||7420)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The sidecar's Node flags (sidecar/bin/node-flags.js) are given here, so the bin requires the
# server directly (no execve);
# tini passes SIGTERM to node, which stops the sidecar cleanly (runs resume on the next start).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--no-node-snapshot", "--max-semi-space-size=8", "/app/sidecar/bin/dynamic-workflows.js"]
CMD ["serve"]
