# syntax=docker/dockerfile:1
# ipxlab in a container: one emulated node per container (docs/containers.md).
#
#   docker build -t ipxlab:local .
#   docker run --rm -p 2644:2644/udp -p 2644:2644/tcp ipxlab:local
#
# Where no image registry is reachable (CI), build on a base made locally (scripts/container-base.sh):
#   podman build --format docker --build-arg BUILD_IMAGE=localhost/ipxlab-base:node22 \
#     --build-arg RUNTIME_IMAGE=localhost/ipxlab-base:node22 -t ipxlab:local .
# (--format docker: the OCI image format has no HEALTHCHECK.) test/containers-run.test.ts builds it
# so and runs compose.yaml in CI.

# Node 22 is an LTS line (maintenance until April 2027, https://nodejs.org/en/about/previous-releases);
# the project needs >= 20.19 (package.json "engines"). Override with --build-arg NODE_VERSION=24.
ARG NODE_VERSION=22
# The two base images. Either must hold node and npm on PATH and a `node` user (uid 1000), as the
# official images do; the runtime one gets tini from Debian unless it has it already.
ARG BUILD_IMAGE=node:${NODE_VERSION}-bookworm-slim
ARG RUNTIME_IMAGE=node:${NODE_VERSION}-bookworm-slim

# ---------------------------------------------------------------------------------------- build
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Dependencies first, so editing a source file does not reinstall them. --ignore-scripts: the
# package's `prepare` script runs the build, and the sources are not copied yet.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY protocol ./protocol
COPY src ./src
COPY fixtures ./fixtures
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# -------------------------------------------------------------------------------------- runtime
FROM ${RUNTIME_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM/SIGINT to the node (which then stops cleanly and prints its
# counters) and reaps zombies (https://github.com/krallin/tini). Debian bookworm packages it; a
# base that has it already (the local one) needs no package lists.
RUN [ -x /usr/bin/tini ] || { apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*; }
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the runtime user: the node never writes its own code.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/fixtures ./fixtures
# The bin of package.json; main.js resolves the symlink before deciding it is the entry point.
RUN chmod 0755 /app/dist/src/cli/main.js \
 && ln -s /app/dist/src/cli/main.js /usr/local/bin/ipxlab \
 && mkdir -p /data /keys && chown node:node /data /keys
# Captures (IPXLAB_CAPTURE=/data/...) go to a volume the runtime user can write; /keys holds the
# lab's key file (IPXLAB_KEY_FILE=/keys/lab.key, made on first start when absent).
VOLUME ["/data"]
# The `node` user (uid 1000) of the official image. Ports above 1024 need no capability.
USER node
# 2644 = data plane (DOSBox IPXNET clients and native peers, UDP and TCP);
# 2629 = QoS plane (SNP on UDP, the HTTP status API with /healthz on TCP). src/node/config.ts.
EXPOSE 2644/udp 2644/tcp 2629/udp 2629/tcp
# No curl in the slim image: src/cli/healthcheck.ts asks /healthz with Node's fetch, on the port
# of IPXLAB_SNP_LISTEN (default 2629).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "/app/dist/src/cli/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["ipxlab", "node"]
