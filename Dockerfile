# syntax=docker/dockerfile:1
# academy-billing: build with the full toolchain, ship production dependencies and the compiled output only.
# Both stages use the same base so native add-ons (none today) would match; pin it by digest in your registry.
# Node 24 LTS, the same release as .nvmrc and the Node CI runs the suite on (scripts/ci/registry-node.sh).

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: only dev tools have them (esbuild, ssh2, protobufjs), and tsc needs none.
RUN npm ci --ignore-scripts --no-audit --no-fund
# Exactly what tsconfig.build.json compiles (it extends tsconfig.json and includes src and migrations).
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:24.22.3-bookworm-slim AS production
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only (tsx, tap, testcontainers… are devDependencies), and no install scripts:
# no production dependency has one, so nothing fetched at build time runs code in the image.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The bundled example catalogue and prices: read at run time by the embedded default only
# (no DATABASE_URL, no CATALOG_API_URL / STRIPE_SECRET_KEY), so `docker run -p 3000:3000 <image>` shows academies.
COPY examples ./examples
# A numeric, non-root user (Kubernetes' runAsNonRoot can only verify a numeric USER). The application files stay
# owned by root, so the process cannot rewrite its own code; only .data/ (PGlite's default directory) is its own,
# for `docker run` without DATABASE_URL. Kubernetes mounts the root filesystem read-only and requires DATABASE_URL.
RUN groupadd --system --gid 10001 app \
  && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app \
  && mkdir -p /app/.data \
  && chown 10001:10001 /app/.data
USER 10001:10001
EXPOSE 3000
# For plain Docker only (Kubernetes uses its own probes). The slim image has no curl; Node has fetch.
# Each check starts a node process: 10 s, not 3 s, so a busy host does not fail it on start-up time alone.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (close-with-grace drains). The subcommand is the CMD,
# so `docker run <image> migrate` or `docker run <image> sync --dry-run` replaces only it.
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["serve"]
