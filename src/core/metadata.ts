// What a receiver knows about the request a batch came in, carried beside the data so that
// processors can resolve tenants and exporters can partition and route without re-reading it.

export type Transport = 'grpc' | 'http' | 'internal';

/** Shared by every batch cut from one request, so a processor can report a partial rejection. */
export interface RequestOutcome {
  rejectedItems: number;
  rejectionMessage: string;
}

export interface RequestMetadata {
  /** Resolved tenant id, once a tenant processor or the receiver has decided it. */
  tenant: string | undefined;
  /** Tenant id proven by an authenticator; a claim in headers or resources cannot override it. */
  principal: string | undefined;
  clientAddress: string;
  /** Lower-cased header names; only those a receiver was told to keep, plus the tenant header. */
  headers: Readonly<Record<string, string>>;
  receivedAt: number;
  transport: Transport;
  outcome: RequestOutcome;
}

export function newOutcome(): RequestOutcome {
  return { rejectedItems: 0, rejectionMessage: '' };
}

export function internalMetadata(tenant?: string): RequestMetadata {
  return {
    tenant,
    principal: undefined,
    clientAddress: '',
    headers: {},
    receivedAt: Date.now(),
    transport: 'internal',
    outcome: newOutcome(),
  };
}

/** Records a partial rejection on the request's shared outcome; the receiver answers partial_success. */
export function rejectItems(metadata: RequestMetadata, count: number, message: string): void {
  if (count <= 0) return;
  metadata.outcome.rejectedItems += count;
  if (metadata.outcome.rejectionMessage === '') metadata.outcome.rejectionMessage = message;
  else if (!metadata.outcome.rejectionMessage.includes(message)) metadata.outcome.rejectionMessage += `; ${message}`;
}
