import type { HeldBytes, MemoryBudget } from '../../core/memory.ts';

// Bytes of request bodies a receiver is reading and decoding, reserved before the body is
// buffered: for HTTP the declared Content-Length, for gRPC the length in the message's frame prefix. A request that does not fit is refused at once,
// retryably, so an unfinished body costs nothing but its headers. The Collector's otel-arrow
// receiver bounds the same thing with admission.request_limit_mib.

/** Why a request was not admitted; also its label in sluice_receiver_refused_requests_total. */
export type AdmissionRefusal = 'memory' | 'receiver_inflight' | 'connection_inflight' | 'tenant_inflight';

/** What a refused client is told. */
export const ADMISSION_MESSAGE: Record<AdmissionRefusal, string> = {
  memory: 'memory limit reached; retry later',
  receiver_inflight: 'too many request bytes in flight; retry later',
  connection_inflight: 'too many request bytes in flight on this connection; retry later',
  tenant_inflight: 'too many request bytes in flight for this tenant; retry later',
};

export interface AdmissionLimits {
  /** All connections of this receiver together. */
  requestBytes: number;
  perConnectionBytes: number;
  perTenantBytes: number;
}

/** One request's reservation. Released once the pipeline has the data, or the request failed. */
export class Ticket {
  #bytes: number;
  readonly #admission: Admission;
  readonly #connection: unknown;
  readonly #tenant: string | undefined;
  #released = false;

  constructor(admission: Admission, bytes: number, connection: unknown, tenant: string | undefined) {
    this.#admission = admission;
    this.#bytes = bytes;
    this.#connection = connection;
    this.#tenant = tenant;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Changes the reservation to `bytes` (the message's real size, or a body plus its decompressed form); growing can be refused. */
  resize(bytes: number): AdmissionRefusal | undefined {
    if (this.#released) return undefined;
    const delta = bytes - this.#bytes;
    if (delta > 0) {
      const refusal = this.#admission.refuses(delta, this.#connection, this.#tenant);
      if (refusal !== undefined) return refusal;
    }
    this.#admission.move(delta, this.#connection, this.#tenant);
    this.#bytes = bytes;
    return undefined;
  }

  /** Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#admission.move(-this.#bytes, this.#connection, this.#tenant);
  }
}

export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #budget: MemoryBudget;
  readonly #held: HeldBytes;
  #inFlight = 0;
  readonly #byConnection = new Map<unknown, number>();
  readonly #byTenant = new Map<string, number>();

  constructor(limits: AdmissionLimits, budget: MemoryBudget) {
    this.#limits = limits;
    this.#budget = budget;
    this.#held = budget.holder('receiver');
  }

  /** How long a refused client should wait: the memory limiter's retry_after, else 1 s. */
  get retryAfterMs(): number {
    return this.#budget.retryAfterMs;
  }

  get inFlightBytes(): number {
    return this.#inFlight;
  }

  /**
   * Reserves `bytes` for a request on `connection` (any key: a socket, a peer address) of
   * `tenant` (the authenticated principal, or the tenant header; undefined: no tenant cap).
   */
  admit(bytes: number, connection: unknown, tenant: string | undefined): Ticket | AdmissionRefusal {
    const refusal = this.refuses(bytes, connection, tenant);
    if (refusal !== undefined) return refusal;
    this.move(bytes, connection, tenant);
    return new Ticket(this, bytes, connection, tenant);
  }

  refuses(bytes: number, connection: unknown, tenant: string | undefined): AdmissionRefusal | undefined {
    const limits = this.#limits;
    if (this.#inFlight + bytes > limits.requestBytes) return 'receiver_inflight';
    if ((this.#byConnection.get(connection) ?? 0) + bytes > limits.perConnectionBytes) return 'connection_inflight';
    if (tenant !== undefined && (this.#byTenant.get(tenant) ?? 0) + bytes > limits.perTenantBytes) return 'tenant_inflight';
    if (this.#budget.refuses(bytes) !== undefined) return 'memory';
    return undefined;
  }

  /** Moves `delta` bytes in (positive) or out; entries at zero are dropped so the maps stay small. */
  move(delta: number, connection: unknown, tenant: string | undefined): void {
    this.#inFlight += delta;
    this.#held.add(delta);
    const onConnection = (this.#byConnection.get(connection) ?? 0) + delta;
    if (onConnection > 0) this.#byConnection.set(connection, onConnection);
    else this.#byConnection.delete(connection);
    if (tenant === undefined) return;
    const ofTenant = (this.#byTenant.get(tenant) ?? 0) + delta;
    if (ofTenant > 0) this.#byTenant.set(tenant, ofTenant);
    else this.#byTenant.delete(tenant);
  }
}
