// file_storage: persistent sending queues on disk. The story in one folder: the extension
// (file-storage.ts) hands each exporter a queue (persistent-export-queue.ts, the helper's
// ExportQueue contract from core/storage.ts) over the write-ahead-logged engine (disk-queue/).
export { fileStorageExtensionFactory } from './factory.ts';
export { FileStorage } from './file-storage.ts';
export { fileStorageConfigSchema, type FileStorageConfig } from './config.ts';
