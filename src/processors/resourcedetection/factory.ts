import type { ProcessorFactory } from '../../core/component.ts';
import { resourceDetectionConfigSchema, type ResourceDetectionConfig } from './config.ts';
import { detect, processSources } from './detect.ts';
import { createStamp } from './stamp.ts';

export const resourceDetectionProcessorFactory: ProcessorFactory<ResourceDetectionConfig> = {
  kind: 'processor',
  type: 'resourcedetection',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: resourceDetectionConfigSchema,
  create(ctx) {
    const { attributes, warnings } = detect(ctx.config, processSources);
    for (const warning of warnings) ctx.logger.warn({ processor: ctx.id }, warning);
    ctx.logger.info({ processor: ctx.id, detected: attributes.map((a) => a.key) }, 'resource detected');
    const stamp = createStamp(attributes, ctx.config.override, ctx.signal);
    return {
      process(batch) {
        stamp(batch);
        return batch;
      },
    };
  },
};
