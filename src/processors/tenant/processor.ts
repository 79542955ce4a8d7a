import type { Logger } from 'pino';
import { Batch } from '../../core/batch.ts';
import type { Consumer } from '../../core/component.ts';
import { PipelineError } from '../../core/errors.ts';
import { rejectItems } from '../../core/metadata.ts';
import type { BoundCounter, Counter, Telemetry } from '../../core/telemetry.ts';
import { countItems as countRequestItems } from '../../otlp/protobuf.ts';
import { decodeResource, resourceSize, writeResource } from '../../otlp/proto/common.ts';
import { encodeMessage } from '../../otlp/proto/encode.ts';
import { ProtoReader } from '../../otlp/proto/reader.ts';
import { rewriteResourceBytes } from '../../otlp/proto/rewrite.ts';
import { modelOf } from '../../otlp/model.ts';
import type { Resource, ResourceEntryBySignal, Signal } from '../../otlp/types.ts';
import { reloadLogger } from '../../common/watched-file.ts';
import type { TenantConfig } from './config.ts';
import { enrichResource } from './enrich.ts';
import { QuotaLimiter } from './quota.ts';
import type { WorkerPeers } from '../../core/workers.ts';
import { decideTenant, readResourceTenant, resolveTenant, type TenantDecision, type TenantLookup } from './resolve.ts';
import { TenantLabels } from '../../core/tenant-labels.ts';
import { TenantTable } from './tenant-table.ts';


type ResourceEntry = ResourceEntryBySignal[Signal];

/** Tenants without a table entry whose compiled attributes are kept; past this many, the cache starts over. */
const MAX_BARE_ENTRIES = 1024;

/**
 * The last resource the fast path rewrote and what decided it. An SDK sends the same resource in
 * every request, so the next request with the same resource bytes, principal and tenant header
 * gets the same decision and the same encoded replacement without decoding, enriching and
 * encoding it again. Dropped when the tenant table changes.
 */
interface ResourceMemo {
  /** A copy of the resource's bytes (never a view of a request). */
  readonly input: Uint8Array;
  readonly principal: string | undefined;
  readonly claim: string | string[] | undefined;
  readonly decision: TenantDecision;
  /** The tenant id #decide pushed to conflicts, or undefined when the claims agreed. */
  readonly conflict: string | undefined;
  /** The encoded replacement; undefined when the decision refused. */
  readonly output: Uint8Array | undefined;
}

/**
 * Gives every item a tenant someone can trust, stamps the tenant's attributes on its resource,
 * enforces the tenant's quota and meters usage. The common case (one tenant per request) edits
 * only resource bytes and never decodes a span.
 */
export class TenantProcessor {
  readonly #config: TenantConfig;
  readonly #signal: Signal;
  readonly #next: Consumer;
  readonly #logger: Logger;
  readonly #labels: TenantLabels;
  readonly #received: Counter;
  readonly #receivedBytes: Counter;
  readonly #refused: Counter;
  readonly #conflicts: Counter;
  #table: TenantTable | undefined;
  #quotas: QuotaLimiter | undefined;
  #lookup: TenantLookup = null;
  readonly #workers: { peers: WorkerPeers; name: string } | undefined;
  #stopSharing: (() => void) | undefined;
  /**
   * Without a table entry, a tenant is `{ id }`; one object per id, so enrichResource's compiled
   * attributes (cached per entry object) are built once per tenant, not once per request. Bounded:
   * without a table any well-formed id is accepted.
   */
  readonly #bareEntries = new Map<string, { id: string }>();
  #memo: ResourceMemo | undefined = undefined;
  /** Metering series per tenant label, bound once (labels are capped, so this is too). */
  readonly #metered = new Map<string, { items: BoundCounter; bytes: BoundCounter }>();

  constructor(config: TenantConfig, signal: Signal, next: Consumer, telemetry: Telemetry, logger: Logger, workers?: { peers: WorkerPeers; name: string }) {
    this.#config = config;
    this.#workers = workers;
    this.#signal = signal;
    this.#next = next;
    this.#logger = logger;
    this.#labels = new TenantLabels(config.max_tenant_labels);
    this.#received = telemetry.counter('sluice_tenant_received_items_total', 'Items accepted for a tenant, per signal.', ['tenant', 'signal']);
    this.#receivedBytes = telemetry.counter('sluice_tenant_received_bytes_total', 'Encoded OTLP bytes accepted for a tenant, per signal.', ['tenant', 'signal']);
    this.#refused = telemetry.counter('sluice_tenant_refused_items_total', 'Items refused for a tenant, by reason (quota, disabled, unknown, conflict).', ['tenant', 'signal', 'reason']);
    this.#conflicts = telemetry.counter('sluice_tenant_claim_conflicts_total', 'Header or resource tenant claims that contradicted the authenticated tenant.', ['tenant', 'signal', 'action']);
  }

  async start(): Promise<void> {
    if (this.#config.tenants_file === undefined) return;
    const table = await TenantTable.open(this.#config.tenants_file, { reloadIntervalMs: this.#config.reload_interval }, reloadLogger(this.#logger));
    this.#table = table;
    this.#lookup = (id) => table.get(id);
    table.onChange(() => {
      this.#memo = undefined;
    });
    if (this.#config.quotas_enabled) {
      const quotas = new QuotaLimiter(table.entries(), Date.now());
      this.#quotas = quotas;
      table.onChange((t) => quotas.update(t.entries(), Date.now()));
      // A tenant's rate is for the whole process: with several workers each admits its share.
      const workers = this.#workers;
      if (workers !== undefined && workers.peers.count > 1) {
        const { report, apply } = quotas.shareAmong(workers.peers.count, Date.now);
        this.#stopSharing = workers.peers.share(workers.name, report, apply);
      }
    }
  }

  shutdown(): void {
    this.#stopSharing?.();
    this.#table?.close();
    this.#table = undefined;
  }

  async process(batch: Batch): Promise<Batch | null> {
    if (batch.hasBytes) {
      const single = this.#singleTenantFastPath(batch);
      if (single !== undefined) return single;
    }
    return this.#perResource(batch);
  }

  /** Decides one resource's tenant; a contradicting claim is pushed to `conflicts` (tenant ids) for counting. */
  #decide(batch: Batch, resource: Resource | undefined, conflicts: string[]): TenantDecision {
    const resolution = resolveTenant(
      { principal: batch.metadata.principal, headers: batch.metadata.headers, resourceTenant: readResourceTenant(resource, this.#config.resource_attribute) },
      this.#config,
    );
    if (resolution.conflict) conflicts.push(batch.metadata.principal ?? resolution.tenant ?? '');
    return decideTenant(resolution, this.#lookup, this.#config);
  }

  #bareEntry(tenant: string): { id: string } {
    let entry = this.#bareEntries.get(tenant);
    if (entry === undefined) {
      if (this.#bareEntries.size >= MAX_BARE_ENTRIES) this.#bareEntries.clear();
      entry = { id: tenant };
      this.#bareEntries.set(tenant, entry);
    }
    return entry;
  }

  #countConflicts(conflicts: readonly string[]): void {
    for (let i = 0; i < conflicts.length; i++) {
      this.#conflicts.add(1, { tenant: this.#labels.label(conflicts[i]), signal: this.#signal, action: this.#config.on_conflict });
    }
  }

  /** Resource bytes only: works when every resource lands on one accepted tenant (always so with auth). */
  #singleTenantFastPath(batch: Batch): Batch | null | undefined {
    let tenant: string | undefined;
    let mixed = false;
    let refusal: TenantDecision | undefined;
    // Counted only once this path commits: when it hands over to #perResource, that path decides
    // (and counts) every resource again.
    const conflicts: string[] = [];
    const principal = batch.metadata.principal;
    const claim = batch.metadata.headers[this.#config.header];
    const rewritten = rewriteResourceBytes(this.#signal, batch.bytes(), (encoded) => {
      let memo = this.#memo;
      if (memo === undefined || memo.principal !== principal || memo.claim !== claim || !sameBytes(memo.input, encoded)) {
        memo = this.#rewriteResource(batch, encoded, claim);
        this.#memo = memo;
      }
      if (memo.conflict !== undefined) conflicts.push(memo.conflict);
      const decision = memo.decision;
      if (!decision.ok) {
        refusal ??= decision;
        return undefined;
      }
      if (tenant === undefined) tenant = decision.tenant;
      else if (tenant !== decision.tenant) mixed = true;
      return memo.output;
    });
    if (mixed || tenant === undefined || (refusal !== undefined && (refusal as TenantDecision & { ok: false }).reason === 'unknown')) return undefined;
    this.#countConflicts(conflicts);
    if (refusal !== undefined) this.#refuseWhole(batch, refusal);
    this.#admit(batch, tenant, batch.itemCount, rewritten.byteLength);
    batch.replaceBytes(rewritten, batch.itemCount);
    batch.metadata.tenant = tenant;
    return batch;
  }

  /** Decides and enriches one encoded resource, remembering how. */
  #rewriteResource(batch: Batch, encoded: Uint8Array, claim: string | string[] | undefined): ResourceMemo {
    const resource = decodeResource(new ProtoReader(encoded), encoded.length);
    const conflicts: string[] = [];
    const decision = this.#decide(batch, resource, conflicts);
    const output = decision.ok
      ? encodeMessage(enrichResource(resource, decision.entry ?? this.#bareEntry(decision.tenant), this.#config, batch.metadata.principal !== undefined), resourceSize, writeResource)
      : undefined;
    return { input: encoded.slice(), principal: batch.metadata.principal, claim, decision, conflict: conflicts[0], output };
  }

  /** Disabled tenants and rejected conflicts refuse the whole request: the credential itself is at fault. */
  #refuseWhole(batch: Batch, decision: TenantDecision): never {
    const failed = decision as TenantDecision & { ok: false };
    const tenant = this.#labels.label(failed.reason === 'disabled' ? (failed.claimed ?? '') : (batch.metadata.principal ?? ''));
    this.#refused.add(batch.itemCount, { tenant, signal: this.#signal, reason: failed.reason });
    throw new PipelineError('forbidden', failed.reason === 'disabled' ? 'tenant is disabled' : 'tenant claim contradicts the authenticated tenant');
  }

  /** Quota and metering for one tenant's share of a request. */
  #admit(batch: Batch, tenant: string, items: number, bytes: number): void {
    const label = this.#labels.label(tenant);
    if (this.#quotas !== undefined) {
      const result = this.#quotas.tryTake(tenant, this.#signal, items, bytes, Date.now());
      if (!result.ok) {
        this.#refused.add(items, { tenant: label, signal: this.#signal, reason: 'quota' });
        throw new PipelineError('quota', `tenant ${tenant} is over its ${result.reason === 'bytes' ? 'bytes' : this.#signal} quota`, Math.max(1000, result.retryAfterMs));
      }
    }
    let metered = this.#metered.get(label);
    if (metered === undefined) {
      metered = { items: this.#received.bind({ tenant: label, signal: this.#signal }), bytes: this.#receivedBytes.bind({ tenant: label, signal: this.#signal }) };
      this.#metered.set(label, metered);
    }
    metered.items.add(items);
    metered.bytes.add(bytes);
  }

  /** Decoded path: resources may belong to different tenants; unknown ones are rejected as partial success. */
  async #perResource(batch: Batch): Promise<Batch | null> {
    const model = modelOf(this.#signal);
    const request = batch.mutate();
    const entries = model.entries(request);
    const byTenant = new Map<string, ResourceEntry[]>();
    let rejected = 0;
    const conflicts: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const decision = this.#decide(batch, entry.resource, conflicts);
      if (!decision.ok) {
        if (decision.reason !== 'unknown') {
          this.#countConflicts(conflicts);
          this.#refuseWhole(batch, decision);
        }
        const count = countItems(this.#signal, [entry]);
        rejected += count;
        this.#refused.add(count, { tenant: this.#labels.label('unknown'), signal: this.#signal, reason: 'unknown' });
        continue;
      }
      entry.resource = enrichResource(entry.resource, decision.entry ?? this.#bareEntry(decision.tenant), this.#config, batch.metadata.principal !== undefined);
      let list = byTenant.get(decision.tenant);
      if (list === undefined) byTenant.set(decision.tenant, (list = []));
      list.push(entry);
    }
    this.#countConflicts(conflicts);
    if (rejected > 0) rejectItems(batch.metadata, rejected, 'unknown tenant');
    if (byTenant.size === 0) return null;
    if (byTenant.size === 1) {
      const [[tenant, list]] = byTenant;
      model.setEntries(request, list);
      this.#admit(batch, tenant, countItems(this.#signal, list), batch.bytes().byteLength);
      batch.metadata.tenant = tenant;
      return batch;
    }
    // One batch per tenant, each with its own metadata, so batching and routing never mix tenants.
    const parts: Batch[] = [];
    for (const [tenant, list] of byTenant) {
      const part = Batch.fromRequest(this.#signal, model.request(list), { ...batch.metadata, tenant });
      this.#admit(part, tenant, countItems(this.#signal, list), part.bytes().byteLength);
      parts.push(part);
    }
    for (const part of parts) await this.#next.consume(part);
    return null;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Items in some resource entries, counted by the codec's own rules. */
function countItems(signal: Signal, entries: ResourceEntry[]): number {
  return countRequestItems(signal, modelOf(signal).request(entries));
}
