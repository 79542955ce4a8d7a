import type { Logger } from 'pino';
import { Batch } from '../../core/batch.ts';
import type { Consumer } from '../../core/component.ts';
import { PipelineError } from '../../core/errors.ts';
import { rejectItems } from '../../core/metadata.ts';
import type { Counter, Telemetry } from '../../core/telemetry.ts';
import { countItems as countRequestItems, rewriteResources } from '../../otlp/protobuf.ts';
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
    const rewritten = rewriteResources(this.#signal, batch.bytes(), (resource) => {
      const decision = this.#decide(batch, resource, conflicts);
      if (!decision.ok) {
        refusal ??= decision;
        return undefined;
      }
      if (tenant === undefined) tenant = decision.tenant;
      else if (tenant !== decision.tenant) mixed = true;
      return enrichResource(resource, decision.entry ?? { id: decision.tenant }, this.#config, batch.metadata.principal !== undefined);
    });
    if (mixed || tenant === undefined || (refusal !== undefined && (refusal as TenantDecision & { ok: false }).reason === 'unknown')) return undefined;
    this.#countConflicts(conflicts);
    if (refusal !== undefined) this.#refuseWhole(batch, refusal);
    this.#admit(batch, tenant, batch.itemCount, rewritten.byteLength);
    batch.replaceBytes(rewritten, batch.itemCount);
    batch.metadata.tenant = tenant;
    return batch;
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
    this.#received.add(items, { tenant: label, signal: this.#signal });
    this.#receivedBytes.add(bytes, { tenant: label, signal: this.#signal });
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
      entry.resource = enrichResource(entry.resource, decision.entry ?? { id: decision.tenant }, this.#config, batch.metadata.principal !== undefined);
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

/** Items in some resource entries, counted by the codec's own rules. */
function countItems(signal: Signal, entries: ResourceEntry[]): number {
  return countRequestItems(signal, modelOf(signal).request(entries));
}
