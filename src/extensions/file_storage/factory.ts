import type { ExtensionFactory } from '../../core/component.ts';
import { fileStorageConfigSchema, type FileStorageConfig } from './config.ts';
import { FileStorage } from './file-storage.ts';

export const fileStorageExtensionFactory: ExtensionFactory<FileStorageConfig> = {
  kind: 'extension',
  type: 'file_storage',
  configSchema: fileStorageConfigSchema,
  provides: ['storage'],
  exampleConfig: ({ scratchDir }) => ({ directory: scratchDir }),
  ignoredKeys: {
    timeout: 'a bbolt lock timeout; Sluice\'s queues take their directory lock at once or fail',
    compaction: 'Sluice\'s write-ahead log compacts by deleting fully acknowledged segments, always',
    create_directory: 'the directory is always created when missing',
    directory_permissions: 'the directory is created with the process umask',
  },
  create(ctx) {
    return new FileStorage(ctx.config, ctx.telemetry, ctx.logger, { worker: ctx.host.workers });
  },
};
