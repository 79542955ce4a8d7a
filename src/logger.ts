import { pino, type Logger } from 'pino';

/** Structured JSON logs. Payloads never go through here: telemetry may carry personal data. */
export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'sluice' }, timestamp: pino.stdTimeFunctions.isoTime });
}
