import type { ExtensionFactory } from '../../core/component.ts';
import { fileStorageConfigSchema, type FileStorageConfig } from './config.ts';
import { FileStorage } from './file-storage.ts';

export const fileStorageExtensionFactory: ExtensionFactory<FileStorageConfig> = {
  kind: 'extension',
  type: 'file_storage',
  configSchema: fileStorageConfigSchema,
  provides: ['storage'],
  exampleConfig: ({ scratchDir }) => ({ directory: scratchDir }),
  create(ctx) {
    return new FileStorage(ctx.config, ctx.telemetry, ctx.logger);
  },
};
