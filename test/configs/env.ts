// The environment every config in test/configs/ reads: both suites over this folder (the processors'
// configs in configs.test.ts and the carry-over configs in test/e2e/configs.test.ts) validate all of it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../e2e/harness.ts';

const tokenFile = join(tempDir(), 'token');
writeFileSync(tokenFile, 'mimir-token\n');

export const CONFIG_ENV: NodeJS.ProcessEnv = {
  DT_ENDPOINT: 'https://abc12345.live.dynatrace.com/api/v2/otlp',
  DT_API_TOKEN: 'dt0c01.sample',
  DB_KEY: 'db.statement',
  OPERATION: 'delete',
  MY_POD_IP: '127.0.0.1',
  GRAFANA_CLOUD_INSTANCE_ID: '123456',
  GRAFANA_CLOUD_API_KEY: 'glc_secret_key',
  GRAFANA_CLOUD_OTLP_ENDPOINT: 'https://otlp-gateway-prod-eu-west-0.grafana.net/otlp',
  HONEYCOMB_API_KEY: 'hc-key',
  TOKEN_FILE: tokenFile,
  MIMIR_ENDPOINT: 'http://mimir:9009/api/v1/push',
  TEMPO_ENDPOINT: 'tempo:4317',
  LOKI_ENDPOINT: 'http://loki:3100/otlp',
  OUT_DIR: tempDir(),
  BACKEND: 'http://backend:4318',
  SIGNOZ_KEY: 'sz-key',
  QUEUE_DIR: tempDir(),
  OTLP_BACKEND: 'backend:4317',
  BASIC_AUTH_USERNAME: 'agent',
  BASIC_AUTH_PASSWORD: 'agent-pass',
  CLIENT_USERNAME: 'gw',
  CLIENT_PASSWORD: 'gw-pass',
  GATEWAY_TOKEN: 'gw-token',
};
