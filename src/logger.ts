import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger } from 'pino';

/** `service.telemetry.logs`, as far as the logger reads it. */
export interface LogOptions {
  /** `json` (one JSON object a line) or `console` (the Collector's console form: tab-separated time, level, message, fields). */
  encoding?: 'json' | 'console';
  /** `stdout`, `stderr` or file paths (appended). */
  outputPaths?: readonly string[];
  /** Fields on every line. */
  initialFields?: Readonly<Record<string, unknown>>;
}

/** Structured JSON logs. Payloads never go through here: telemetry may carry personal data. */
export function createLogger(level: string = 'info', options: LogOptions = {}): Logger {
  const base = { service: 'sluice', ...options.initialFields };
  const paths = options.outputPaths ?? ['stdout'];
  const streams: DestinationStream[] = paths.map((path) => {
    const destination = path === 'stdout' ? pino.destination(1) : path === 'stderr' ? pino.destination(2) : pino.destination({ dest: path, append: true, mkdir: true });
    return options.encoding === 'console' ? consoleStream(destination) : destination;
  });
  const destination = streams.length === 1 ? streams[0] : pino.multistream(streams.map((stream) => ({ stream, level: 'trace' as const })));
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Rewrites pino's JSON lines as `time<TAB>level<TAB>msg<TAB>{other fields}`, as zap's console encoder does. */
function consoleStream(out: DestinationStream): DestinationStream {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        out.write(`${consoleLine(line)}\n`);
        newline = pending.indexOf('\n');
      }
      done();
    },
  });
}

export function consoleLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, pid: _pid, hostname: _hostname, service: _service, ...fields } = record;
  const rest = Object.keys(fields).length > 0 ? `\t${JSON.stringify(fields)}` : '';
  return `${String(time ?? '')}\t${LEVEL_NAMES[level as number] ?? String(level)}\t${String(msg ?? '')}${rest}`;
}
