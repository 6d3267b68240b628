# Multi-stage: dependencies are installed in a build stage; the runtime image holds only what the service needs and
# runs as a non-root user. The same image runs every role: `--role api`, `--role worker`, or both (default).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production DATA_DIR=/data PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY prompts ./prompts
COPY prompts-local ./prompts-local
# The npm scripts users are told to run (apikey, check-prompt, fake-llm, fake-hub) live in tools/.
COPY tools ./tools
RUN mkdir -p /data && chown -R node:node /data
USER node
EXPOSE 8080
VOLUME ["/data"]
# An API process answers on PORT; a worker-only process on METRICS_PORT (set it for workers).
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||process.env.PORT)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["node", "--max-semi-space-size=16", "--import", "tsx", "src/main.ts"]
