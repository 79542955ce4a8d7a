import { Batch } from '../../core/batch.ts';
import type { ProcessorFactory } from '../../core/component.ts';
import { extensionReferenceProblem } from '../../core/graph.ts';
import { errorMessage, PipelineError } from '../../core/errors.ts';
import { internalMetadata, type RequestMetadata } from '../../core/metadata.ts';
import { isLogStorageExtension } from '../../core/storage.ts';
import { adaptiveSamplingConfigSchema, type AdaptiveSamplingConfig } from './config.ts';
import type { Decision, Hold } from './hold.ts';
import { AdaptiveSampler } from './sampler.ts';
import { SamplerWal, type SpanHold } from './wal.ts';

/** Decisions fall due between requests too; 100 ms keeps decision_wait accurate to a tenth of a second. */
const TICK_MS = 100;
const TOP_KEYS = 20;
/** Retry-After for a refusal while the write-ahead log is full. */
const WAL_FULL_RETRY_AFTER_MS = 1000;

async function openWal(config: AdaptiveSamplingConfig, ctx: { id: string; pipelineId: string; host: { getExtension<T>(id: string): T | undefined } }): Promise<SamplerWal | null> {
  if (config.storage === undefined) return null;
  const storage = ctx.host.getExtension(config.storage);
  if (!isLogStorageExtension(storage)) {
    throw new Error(`processor ${ctx.id}: storage "${config.storage}" is not a running file_storage extension (add it to service.extensions)`);
  }
  // Per pipeline and processor id: processors are instantiated per pipeline.
  const owner = `${ctx.pipelineId}/${ctx.id}`;
  return new SamplerWal(await storage.openLog(owner, 'sampler-spans', config.storage_max_size), await storage.openLog(owner, 'sampler-decisions', config.storage_max_size));
}

/**
 * With several workers each sampler sees the traces whose ids it owns, about 1/N of them: the
 * target rate, the buffer and the decision cache are the process's, so each worker keeps its part.
 */
function perWorker(config: AdaptiveSamplingConfig, workers: number): AdaptiveSamplingConfig {
  if (workers === 1) return config;
  return {
    ...config,
    target_traces_per_second: config.target_traces_per_second / workers,
    max_buffer_bytes: Math.ceil(config.max_buffer_bytes / workers),
    decision_cache_size: Math.ceil(config.decision_cache_size / workers),
    storage_max_size: Math.ceil(config.storage_max_size / workers),
  };
}

function splitReason(entry: string): { decision: string; reason: string } {
  const colon = entry.indexOf(':');
  return { decision: entry.slice(0, colon), reason: entry.slice(colon + 1) };
}

export const adaptiveSamplingProcessorFactory: ProcessorFactory<AdaptiveSamplingConfig> = {
  kind: 'processor',
  type: 'adaptive_sampling',
  signals: ['traces'],
  mutatesData: false, // reads the request bytes and emits new requests; the batch itself is never edited
  // Keeps or drops whole traces: with several workers, every span of a trace must reach one sampler.
  colocate: { traces: 'trace_id' },
  configSchema: adaptiveSamplingConfigSchema,
  validateInGraph(ctx) {
    if (ctx.config.storage === undefined) return [];
    const problem = extensionReferenceProblem(ctx.extensions, ctx.config.storage, 'storage', `${ctx.path}.storage`);
    return problem === undefined ? [] : [problem];
  },
  async create(baseCtx) {
    const ctx = { ...baseCtx, config: perWorker(baseCtx.config, baseCtx.host.workers?.count ?? 1) };
    const pending = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      pending.add(p);
      p.finally(() => pending.delete(p));
    };
    const wal = await openWal(ctx.config, ctx);
    /** Durable mode: this emit round's hand-offs, which its records wait for. */
    const roundSends: Promise<void>[] = [];
    const sampler = new AdaptiveSampler(ctx.config, {
      emit(request, spanCount, metadata) {
        const kept = Batch.fromBytes('traces', request, spanCount, metadata as RequestMetadata);
        const sent = ctx.next.consume(kept);
        const sending = sent.catch((error) => {
          // In memory mode the spans were acknowledged when buffered and the exporters counted
          // the refusal; in durable mode they stay in the log and replay after a restart.
          ctx.logger.warn({ error: errorMessage(error) }, 'sampled traces could not be handed on');
        });
        track(sending);
        if (wal !== null) roundSends.push(sent);
      },
      onLog(message, fields) {
        ctx.logger.warn(fields, message);
      },
      settle:
        wal === null
          ? undefined
          : (released: Hold[], decisions: Decision[]) => {
              const waits: Promise<void>[] = roundSends.splice(0);
              if (decisions.length > 0) waits.push(wal.logDecisions(decisions));
              const settled = Promise.all(waits).then(
                () => {
                  for (let i = 0; i < released.length; i++) if (--released[i].refs === 0) wal.release(released[i] as SpanHold);
                },
                (error: unknown) => {
                  // Not acked: the records stay in the log, and a restart replays them.
                  ctx.logger.warn({ error: errorMessage(error) }, 'adaptive_sampling: a round was not handed on; its spans stay in the write-ahead log');
                },
              );
              track(settled);
            },
    });
    // Durable mode keeps only the tenant of a request, as the exporters' on-disk queues do.
    const tenantMetadata = new Map<string | undefined, RequestMetadata>();
    const metadataOf = (tenant: string | undefined): RequestMetadata => {
      let m = tenantMetadata.get(tenant);
      if (m === undefined) tenantMetadata.set(tenant, (m = internalMetadata(tenant)));
      return m;
    };
    const taken: SpanHold[] = [];
    const feed = async (): Promise<number> => {
      await wal!.take(taken);
      const n = taken.length;
      for (let i = 0; i < n; i++) {
        const hold = taken[i];
        const payload = hold.payload!;
        hold.payload = null;
        sampler.add(payload, metadataOf(hold.record.tenant), hold);
      }
      taken.length = 0;
      return n;
    };
    const durableProcess = async (batch: Batch): Promise<null> => {
      const result = await wal!.append(batch.bytes(), batch.itemCount, batch.metadata.tenant);
      if (!result.ok) {
        if (result.reason === 'too_large') throw new PipelineError('invalid', 'adaptive_sampling: request larger than storage_max_size');
        throw new PipelineError('overloaded', `adaptive_sampling: write-ahead log ${result.reason === 'full' ? 'is full' : 'unavailable'}`, WAL_FULL_RETRY_AFTER_MS);
      }
      await feed();
      return null;
    };
    ctx.host.onOverload((active) => sampler.setOverload(active));
    const untrack = ctx.host.memory.track('sampler', () => sampler.bufferedBytes);

    const t = ctx.telemetry;
    const processor = ctx.id;
    t.observe('sluice_sampling_traces_total', 'Trace decisions, by decision and reason.', ['processor', 'decision', 'reason'], () =>
      Object.entries(sampler.stats().traces).map(([key, value]) => ({ labels: { processor, ...splitReason(key) }, value })), 'counter');
    t.observe('sluice_sampling_spans_total', 'Spans kept or dropped by the sampler.', ['processor', 'decision'], () => {
      const { kept, dropped } = sampler.stats().spans;
      return [{ labels: { processor, decision: 'kept' }, value: kept }, { labels: { processor, decision: 'dropped' }, value: dropped }];
    }, 'counter');
    t.observe('sluice_sampling_late_spans_total', 'Spans that arrived after their trace was decided, by the decision they followed.', ['processor', 'decision'], () => {
      const { kept, dropped } = sampler.stats().lateSpans;
      return [{ labels: { processor, decision: 'kept' }, value: kept }, { labels: { processor, decision: 'dropped' }, value: dropped }];
    }, 'counter');
    t.observe('sluice_sampling_early_decisions_total', 'Traces decided before decision_wait, by cause (buffer_full, max_spans_per_trace, shutdown).', ['processor', 'reason'], () =>
      Object.entries(sampler.stats().earlyDecisions).map(([reason, value]) => ({ labels: { processor, reason }, value })), 'counter');
    t.observe('sluice_sampling_buffer_bytes', 'Bytes of buffered spans, bounded by max_buffer_bytes.', ['processor'], () => [{ labels: { processor }, value: sampler.stats().bufferedBytes }]);
    t.observe('sluice_sampling_buffer_traces', 'Traces waiting for a decision.', ['processor'], () => [{ labels: { processor }, value: sampler.stats().bufferedTraces }]);
    t.observe('sluice_sampling_buffer_spans', 'Spans waiting for a decision.', ['processor'], () => [{ labels: { processor }, value: sampler.stats().bufferedSpans }]);
    t.observe('sluice_sampling_no_trace_id_spans_total', 'Spans with an empty or all-zero trace id (or one longer than 16 bytes), each decided on its own.', ['processor', 'decision'], () => {
      const { kept, dropped } = sampler.stats().noTraceIdSpans;
      return [{ labels: { processor, decision: 'kept' }, value: kept }, { labels: { processor, decision: 'dropped' }, value: dropped }];
    }, 'counter');
    t.observe('sluice_sampling_overload_active', '1 while overload relief (deterministic fallback sampling) is on.', ['processor'], () => [{ labels: { processor }, value: sampler.stats().overload.active ? 1 : 0 }]);
    if (wal !== null) {
      t.observe('sluice_sampling_wal_bytes', 'Bytes of requests in the sampler\'s write-ahead log (bounded by storage_max_size).', ['processor'], () => [{ labels: { processor }, value: wal.stats.spanBytes }]);
      t.observe('sluice_sampling_wal_records', 'Requests in the sampler\'s write-ahead log, waiting for their traces to be decided and handed on.', ['processor'], () => [{ labels: { processor }, value: wal.stats.spanRecords }]);
    }
    t.observe('sluice_sampling_key_rate', `Current sampling probability of the ${TOP_KEYS} busiest keys.`, ['processor', 'key'], () =>
      sampler.stats().topKeyRates(TOP_KEYS).map(({ key, rate }) => ({ labels: { processor, key }, value: rate })));

    let timer: NodeJS.Timeout | undefined;
    let closed: Promise<void> | undefined;
    return {
      async start() {
        if (wal !== null) {
          // Decisions first, so replayed spans of traces decided before the restart follow them.
          const decisions = await wal.restoreDecisions((key, record) => sampler.restoreDecision(key, record));
          const records = await feed();
          wal.replayed();
          if (decisions > 0 || records > 0) ctx.logger.info({ decisions, records }, 'adaptive_sampling: replayed the write-ahead log');
        }
        timer = setInterval(() => sampler.tick(), TICK_MS);
        timer.unref();
      },
      shutdown() {
        closed ??= (async () => {
          if (timer !== undefined) clearInterval(timer);
          timer = undefined;
          sampler.flush();
          untrack();
          while (pending.size > 0) await Promise.all(pending);
          await wal?.close();
        })();
        return closed;
      },
      process(batch: Batch) {
        // Bytes in, bytes out: the sampler reads spans in place and never decodes them.
        if (wal !== null) return durableProcess(batch);
        sampler.add(batch.bytes(), batch.metadata);
        return null;
      },
    };
  },
};
