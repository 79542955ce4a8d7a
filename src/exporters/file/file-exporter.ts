import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Exporter, ExporterContext } from '../../core/component.ts';
import { retryableError, errorMessage } from '../../core/errors.ts';
import { encodeJson } from '../../otlp/json.ts';
import type { FileExporterConfig } from './config.ts';

/**
 * Exporter instances are per signal, but a user writing traces and logs to one path expects one
 * file with whole lines: writers are shared by path and serialise their appends.
 */
class SharedFile {
  static readonly #open = new Map<string, SharedFile>();
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #users = 0;

  private constructor(path: string) {
    this.path = path;
  }

  static acquire(path: string): SharedFile {
    let file = SharedFile.#open.get(path);
    if (file === undefined) {
      file = new SharedFile(path);
      SharedFile.#open.set(path, file);
    }
    file.#users++;
    return file;
  }

  append(line: string): Promise<void> {
    this.#handle ??= (async () => {
      mkdirSync(dirname(this.path), { recursive: true });
      return open(this.path, 'a');
    })();
    const handle = this.#handle;
    const write = this.#tail.then(async () => {
      await (await handle).appendFile(line);
    });
    this.#tail = write.catch(() => undefined);
    return write;
  }

  async release(): Promise<void> {
    if (--this.#users > 0) return;
    SharedFile.#open.delete(this.path);
    await this.#tail;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) {
      const fh = await handle;
      await fh.sync().catch(() => undefined);
      await fh.close();
    }
  }
}

export function createFileExporter(ctx: ExporterContext<FileExporterConfig>): Exporter {
  let file: SharedFile | undefined;
  return {
    start() {
      file = SharedFile.acquire(ctx.config.path);
    },
    async push(batch) {
      file ??= SharedFile.acquire(ctx.config.path);
      try {
        await file.append(`${encodeJson(batch.signal, batch.request)}\n`);
      } catch (error) {
        // A full disk may clear; keep the batch queued and retry.
        throw retryableError(`write ${ctx.config.path}: ${errorMessage(error)}`, undefined, error);
      }
    },
    async shutdown() {
      const current = file;
      file = undefined;
      await current?.release();
    },
  };
}
