#!/usr/bin/env node
// The container's health probe, so the image needs neither curl nor wget: exits 0 when Sluice's
// health_check endpoint answers 200, 1 otherwise. SLUICE_HEALTH_URL overrides the address.
import { get } from 'node:http';

const url = process.env.SLUICE_HEALTH_URL ?? 'http://127.0.0.1:13133/';
const timeoutMs = Number(process.env.SLUICE_HEALTH_TIMEOUT_MS ?? 2000);

const request = get(url, { timeout: timeoutMs }, (response) => {
  response.resume();
  process.exitCode = response.statusCode === 200 ? 0 : 1;
  if (process.exitCode !== 0) console.error(`health: ${url} answered ${response.statusCode}`);
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs}ms`)));
request.on('error', (error) => {
  console.error(`health: ${url}: ${error.message}`);
  process.exitCode = 1;
});
