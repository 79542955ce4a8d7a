import { Batch } from '../../core/batch.ts';
import type { ProcessorFactory } from '../../core/component.ts';
import { errorMessage } from '../../core/errors.ts';
import type { RequestMetadata } from '../../core/metadata.ts';
import { adaptiveSamplingConfigSchema, type AdaptiveSamplingConfig } from './config.ts';
import { AdaptiveSampler } from './sampler.ts';

/** Decisions fall due between requests too; 100 ms keeps decision_wait accurate to a tenth of a second. */
const TICK_MS = 100;
const TOP_KEYS = 20;

function splitReason(entry: string): { decision: string; reason: string } {
  const colon = entry.indexOf(':');
  return { decision: entry.slice(0, colon), reason: entry.slice(colon + 1) };
}

export const adaptiveSamplingProcessorFactory: ProcessorFactory<AdaptiveSamplingConfig> = {
  kind: 'processor',
  type: 'adaptive_sampling',
  signals: ['traces'],
  mutatesData: false, // reads the request bytes and emits new requests; the batch itself is never edited
  configSchema: adaptiveSamplingConfigSchema,
  create(ctx) {
    const pending = new Set<Promise<void>>();
    const sampler = new AdaptiveSampler(ctx.config, {
      emit(request, spanCount, metadata) {
        const kept = Batch.fromBytes('traces', request, spanCount, metadata as RequestMetadata);
        const sending = ctx.next.consume(kept).catch((error) => {
          // The spans were acknowledged when buffered; the exporters counted the refusal.
          ctx.logger.warn({ error: errorMessage(error) }, 'sampled traces could not be handed on');
        });
        pending.add(sending);
        sending.finally(() => pending.delete(sending));
      },
      onLog(message, fields) {
        ctx.logger.warn(fields, message);
      },
    });
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
    t.observe('sluice_sampling_overload_active', '1 while overload relief (deterministic fallback sampling) is on.', ['processor'], () => [{ labels: { processor }, value: sampler.stats().overload.active ? 1 : 0 }]);
    t.observe('sluice_sampling_key_rate', `Current sampling probability of the ${TOP_KEYS} busiest keys.`, ['processor', 'key'], () =>
      sampler.stats().topKeyRates(TOP_KEYS).map(({ key, rate }) => ({ labels: { processor, key }, value: rate })));

    let timer: NodeJS.Timeout | undefined;
    return {
      start() {
        timer = setInterval(() => sampler.tick(), TICK_MS);
        timer.unref();
      },
      async shutdown() {
        if (timer !== undefined) clearInterval(timer);
        timer = undefined;
        sampler.flush();
        untrack();
        await Promise.all(pending);
      },
      process(batch: Batch) {
        // Bytes in, bytes out: the sampler reads spans in place and never decodes them.
        sampler.add(batch.bytes(), batch.metadata);
        return null;
      },
    };
  },
};
