// The storage package's whole public surface: the persistent queue engine and its config schemas.
export { PersistentQueue } from './persistent-queue.ts';
export type { QueueRecord } from './queue-entry.ts';
export type { EnqueueResult, FsyncPolicy, PersistentQueueOptions, QueueStats, WhenFull } from './options.ts';
export { fileStorageConfigSchema, persistentQueueSettingsSchema, queueDirectoryName } from './config.ts';
export type { FileStorageConfig, PersistentQueueSettings } from './config.ts';
export { DirectoryLockedError } from './dir-lock.ts';
export type { WalFile, WalFileOpener } from './fs-util.ts';
