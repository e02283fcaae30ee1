# The one image of the mesh. Its argument picks what it runs:
#   docker run wallet-mesh ledger              a process of platform/mesh/catalogue.ts
#   docker run wallet-mesh migrate ledger      the release command for a service database
# Build: docker build -t wallet-mesh .   (test/build/dockerfile.test.ts checks this file statically)

ARG NODE_IMAGE=node:22-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot

# Every dependency, then the production build (plain JavaScript in dist/), and tini for the runtime.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY gen gen
COPY platform platform
COPY services services
COPY scripts scripts
RUN npm run build

# Production dependencies only: what the runtime stage copies as node_modules.
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Distroless: Node 22 and nothing else (no shell, no package manager).
FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
# A 4 MB young-generation semi-space (V8 lets it grow to 16 MB): 5 to 28 MB less idle RSS per
# process, every one under 120 MB (npm run bench:startup, with and without
# --node-args=--max-semi-space-size=4); a pod's env can set NODE_OPTIONS otherwise.
ENV NODE_ENV=production NODE_OPTIONS=--max-semi-space-size=4
COPY --from=build /usr/bin/tini-static /usr/bin/tini
COPY --from=production-dependencies /app/node_modules node_modules
COPY --from=build /app/dist dist
# Numeric, so Kubernetes' runAsNonRoot can check it without the image's passwd.
USER 10001:10001
# tini runs as PID 1: it forwards SIGTERM to node (whose handlers drain the servers) and reaps zombies.
ENTRYPOINT ["/usr/bin/tini", "--", "/nodejs/bin/node", "/app/dist/scripts/run-process.js"]
