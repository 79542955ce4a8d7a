import type { ReceiverFactory } from '../../core/component.ts';
import { heartbeatConfigSchema, type HeartbeatConfig } from './config.ts';
import { HeartbeatReceiver } from './heartbeat.ts';

export const heartbeatReceiverFactory: ReceiverFactory<HeartbeatConfig> = {
  kind: 'receiver',
  type: 'heartbeat',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: heartbeatConfigSchema,
  create(ctx) {
    return new HeartbeatReceiver(ctx.id, ctx.config, ctx.pipelines, ctx.telemetry, ctx.host, ctx.logger);
  },
};
