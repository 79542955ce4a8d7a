// The disk queue engine's whole public surface (the file_storage extension's config lives beside it, in ../config.ts).
export { PersistentQueue } from './persistent-queue.ts';
export type { QueueRecord } from './queue-entry.ts';
export type { EnqueueResult, FsyncPolicy, PersistentQueueOptions, QueueStats, WhenFull } from './options.ts';
export { fileStorageConfigSchema, queueDirectoryName } from '../config.ts';
export type { FileStorageConfig } from '../config.ts';
export { DirectoryLockedError } from './dir-lock.ts';
export type { WalFile, WalFileOpener } from './fs-util.ts';
