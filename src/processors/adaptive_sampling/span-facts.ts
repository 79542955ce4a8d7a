import type { Span } from '../../otlp/types.ts';

// The error signals read from each span once, when it is buffered; the span is then held only
// as bytes.

export const ErrorReason = {
  NONE: '',
  STATUS: 'error',
  EXCEPTION: 'exception',
  HTTP_5XX: 'http_5xx',
  GRPC: 'grpc_error',
} as const;
export type ErrorReason = (typeof ErrorReason)[keyof typeof ErrorReason];

const STATUS_ERROR = 2;

/** Why this span marks its trace as an error, or '' when it does not. */
export function spanErrorReason(span: Span, keepHttp5xx: boolean, keepGrpcErrors: boolean): ErrorReason {
  if (span.status !== undefined && span.status.code === STATUS_ERROR) return ErrorReason.STATUS;
  const events = span.events;
  for (let i = 0; i < events.length; i++) if (events[i].name === 'exception') return ErrorReason.EXCEPTION;
  if (!keepHttp5xx && !keepGrpcErrors) return ErrorReason.NONE;
  const attrs = span.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const key = attrs[i].key;
    if (keepHttp5xx && (key === 'http.response.status_code' || key === 'http.status_code')) {
      if (codeOf(attrs[i].value.intValue, attrs[i].value.stringValue, attrs[i].value.doubleValue) >= 500) {
        return ErrorReason.HTTP_5XX;
      }
    } else if (keepGrpcErrors && key === 'rpc.grpc.status_code') {
      const code = codeOf(attrs[i].value.intValue, attrs[i].value.stringValue, attrs[i].value.doubleValue);
      if (code !== 0 && code === code) return ErrorReason.GRPC;
    }
  }
  return ErrorReason.NONE;
}

function codeOf(i: bigint | undefined, s: string | undefined, d: number | undefined): number {
  if (i !== undefined) return Number(i);
  if (d !== undefined) return d;
  if (s !== undefined) return Number(s);
  return NaN;
}
