# The build context holds only what is copied below (.dockerignore admits nothing else).
# Build stage: strip the TypeScript once (scripts/build.mjs), so the image runs plain JavaScript
# and never loads Node's type stripper.
FROM node:24-slim AS build
WORKDIR /opt/sluice
COPY scripts ./scripts
COPY src ./src
RUN node scripts/build.mjs

# Runtime stage: production dependencies only, the built JavaScript, the launcher and examples.
FROM node:24-slim
WORKDIR /opt/sluice
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY --from=build /opt/sluice/dist ./dist
COPY pipelines ./pipelines
RUN mkdir -p out data && chown node:node out data
ENV SLUICE_BIND=0.0.0.0 NODE_ENV=production
EXPOSE 4317 4318 8888 13133
# Not root: the image's `node` user (uid 1000) owns only out/ and data/.
USER node
# Node itself asks health_check (the image has no curl); Kubernetes uses its own probes instead.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["node", "bin/sluice.js"]
CMD ["--config", "pipelines/default.yaml"]
