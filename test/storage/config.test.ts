import { expect, test } from 'vitest';
import { sendingQueueSchema } from '../../src/exporters/helper/config.ts';
import { fileStorageConfigSchema, queueDirectoryName } from '../../src/extensions/file_storage/config.ts';

test('file_storage defaults', () => {
  expect(fileStorageConfigSchema.parse({})).toEqual({
    directory: './data/queue',
    fsync: { intervalMs: 100 },
    segment_size: 16 * 1024 * 1024,
    checkpoint_interval: 1000,
    cache_size: 16 * 1024 * 1024,
  });
});

test('file_storage fsync accepts always, never, durations, and 0 as always', () => {
  const fsync = (value: unknown) => fileStorageConfigSchema.parse({ fsync: value }).fsync;
  expect(fsync('always')).toBe('always');
  expect(fsync('never')).toBe('never');
  expect(fsync('1s')).toEqual({ intervalMs: 1000 });
  expect(fsync(250)).toEqual({ intervalMs: 250 });
  expect(fsync('0')).toBe('always');
});

test('file_storage reports every problem with its path, including an unknown key', () => {
  const result = fileStorageConfigSchema.safeParse({ fsync: 'sometimes', segment_size: '1KiB', directry: '/x' });
  expect(result.success).toBe(false);
  const paths = result.error!.issues.map((issue) => issue.path.join('.') || issue.message);
  expect(paths).toEqual(expect.arrayContaining(['fsync', 'segment_size']));
  expect(result.error!.issues.some((issue) => issue.code === 'unrecognized_keys')).toBe(true);
});

test('sending_queue persistent settings: defaults and validation', () => {
  expect(sendingQueueSchema.parse({ storage: 'file_storage' })).toMatchObject({ max_size: 256 * 1024 * 1024, when_full: 'block' });
  expect(sendingQueueSchema.parse({ max_size: '1GiB', when_full: 'drop_oldest' })).toMatchObject({ max_size: 1024 ** 3, when_full: 'drop_oldest' });
  expect(sendingQueueSchema.safeParse({ when_full: 'drop' }).success).toBe(false);
  expect(sendingQueueSchema.safeParse({ max_size: 0 }).success).toBe(false);
});

test('queue directory names are file-name safe and distinct per exporter id', () => {
  expect(queueDirectoryName('otlp', 'traces')).toBe('otlp-traces');
  expect(queueDirectoryName('otlp/backend', 'logs')).toBe('otlp%2Fbackend-logs');
  expect(queueDirectoryName('otlp/backend', 'logs')).not.toBe(queueDirectoryName('otlp_backend', 'logs'));
});
