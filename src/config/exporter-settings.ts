import { z } from 'zod';
import type { ExporterFactory } from '../core/component.ts';
import { exporterHelperFields, type ExporterHelperSettings } from '../exporters/helper/config.ts';

// Every exporter runs behind the exporter helper, so the framework, not each exporter, adds the
// helper's settings to its schema: an exporter that forgot them would otherwise validate and then
// fail at start. An exporter may declare one of these keys itself when it gives it its own meaning
// (prometheusremotewrite's `timeout` is its per-request deadline, as in the Collector); its field
// then wins, and the helper reads the same value.

const schemas = new WeakMap<ExporterFactory, z.ZodType>();

/** The exporter's whole config schema: its own fields plus the helper's. */
export function exporterConfigSchema(factory: ExporterFactory): z.ZodType {
  let schema = schemas.get(factory);
  if (schema !== undefined) return schema;
  const own = factory.configSchema;
  if (!(own instanceof z.ZodObject)) {
    throw new Error(`exporter ${factory.type}: configSchema must be a z.object, so the framework can add the exporter helper's settings`);
  }
  const added = Object.fromEntries(Object.entries(exporterHelperFields).filter(([key]) => !(key in own.shape)));
  schema = own.safeExtend(added);
  schemas.set(factory, schema);
  return schema;
}

/** The helper's settings out of a config parsed by exporterConfigSchema(). */
export function helperSettings(config: unknown): ExporterHelperSettings {
  const { timeout, sending_queue, retry_on_failure } = config as ExporterHelperSettings;
  return { timeout, sending_queue, retry_on_failure };
}
