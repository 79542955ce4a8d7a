import { status } from '@grpc/grpc-js';
import { expect, test } from 'vitest';
import { GRPC_CODE } from '../../src/otlp/rpc-status.ts';

// status.ts writes the gRPC codes as numbers so the HTTP receiver never loads grpc-js; they must
// still be grpc-js's own.
test('refusal kinds map to the gRPC codes the OTLP specification names', () => {
  expect(GRPC_CODE).toEqual({
    overloaded: status.UNAVAILABLE,
    quota: status.RESOURCE_EXHAUSTED,
    invalid: status.INVALID_ARGUMENT,
    unauthenticated: status.UNAUTHENTICATED,
    forbidden: status.PERMISSION_DENIED,
    internal: status.INTERNAL,
  });
});
