# badgeworks: one image for every role (`api`, `worker`, `start`, `migrate`, `files copy`).
# Written without access to a registry here: build and smoke-test it before relying on it
# (`docker build -t badgeworks . && docker run --rm badgeworks --help`).
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only (tsx runs the TypeScript sources: there is no build step).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:22-bookworm-slim
# chromium-headless-shell renders certificates; fonts cover Latin, Greek, Cyrillic, CJK and emoji
# in recipient names; tini forwards SIGTERM so shutdowns drain; curl is for the HEALTHCHECK.
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
     chromium-headless-shell fonts-dejavu-core fonts-liberation fonts-noto-core fonts-noto-cjk \
     fonts-noto-color-emoji tini curl ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    CHROMIUM_PATH=/usr/lib/chromium/chromium-headless-shell \
    DATA_DIR=/var/lib/badgeworks \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# tsconfig.json: tsx compiles the sources with the project's settings, as in development.
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY templates ./templates
RUN groupadd --system badgeworks && useradd --system --gid badgeworks --home /var/lib/badgeworks badgeworks \
  && mkdir -p /var/lib/badgeworks && chown badgeworks:badgeworks /var/lib/badgeworks
USER badgeworks
EXPOSE 3000
# /readyz checks the database, Redis, the browser and the file store. Worker containers have no
# HTTP listener: compose turns the check off for them.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/readyz" > /dev/null || exit 1
ENTRYPOINT ["tini", "--", "node", "/app/bin/badgeworks.js"]
CMD ["api"]
