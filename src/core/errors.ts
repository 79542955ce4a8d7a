// Errors say whether a retry can help. Receivers turn a PipelineError into the OTLP status
// (HTTP code + Retry-After, gRPC code + RetryInfo); the exporter helper retries only what is
// retryable.

export type RefusalKind =
  | 'overloaded' // memory limiter, full queue: retry later
  | 'quota' // a tenant over its rate: retry later
  | 'invalid' // bad data: never retry
  | 'unauthenticated'
  | 'forbidden'
  | 'internal';

const RETRYABLE_KINDS: ReadonlySet<RefusalKind> = new Set(['overloaded', 'quota']);

export class PipelineError extends Error {
  readonly kind: RefusalKind;
  readonly retryable: boolean;
  /** Suggested client back-off, sent as Retry-After / RetryInfo. */
  readonly retryAfterMs: number | undefined;

  constructor(kind: RefusalKind, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'PipelineError';
    this.kind = kind;
    this.retryable = RETRYABLE_KINDS.has(kind);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Raised by an exporter's push(); the helper retries it only when `retryable`. */
export class ExportError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryable: boolean, retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExportError';
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

export function permanentError(message: string, cause?: unknown): ExportError {
  return new ExportError(message, false, undefined, { cause });
}

export function retryableError(message: string, retryAfterMs?: number, cause?: unknown): ExportError {
  return new ExportError(message, true, retryAfterMs, { cause });
}

/** Anything thrown that is not an ExportError is treated as transient: a bug must not lose data silently. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ExportError ? error.retryable : true;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
