import { mkdirSync } from 'node:fs';
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import type { Batch } from '../../core/batch.ts';
import type { Exporter, ExporterContext } from '../../core/component.ts';
import { retryableError, errorMessage } from '../../core/errors.ts';
import { encodeJson } from '../../otlp/json.ts';
import type { FileExporterConfig } from './config.ts';

/**
 * Exporter instances are per signal, but a user writing traces and logs to one path expects one
 * file with whole lines: writers are shared by path and serialise their appends.
 */
type Rotation = NonNullable<FileExporterConfig['rotation']>;

class SharedFile {
  static readonly #open = new Map<string, SharedFile>();
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #users = 0;
  #truncate: boolean;
  readonly #rotation: Rotation | undefined;
  #size = 0;

  private constructor(path: string, append: boolean, rotation: Rotation | undefined) {
    this.path = path;
    this.#truncate = !append;
    this.#rotation = rotation;
  }

  static acquire(path: string, append = true, rotation?: Rotation): SharedFile {
    let file = SharedFile.#open.get(path);
    if (file === undefined) {
      file = new SharedFile(path, append, rotation);
      SharedFile.#open.set(path, file);
    }
    file.#users++;
    return file;
  }

  #openHandle(): Promise<FileHandle> {
    return (async () => {
      mkdirSync(dirname(this.path), { recursive: true });
      const flags = this.#truncate ? 'w' : 'a';
      this.#truncate = false;
      const handle = await open(this.path, flags);
      this.#size = (await handle.stat()).size;
      return handle;
    })();
  }

  append(data: string | Uint8Array): Promise<void> {
    this.#handle ??= this.#openHandle();
    const write = this.#tail.then(async () => {
      const length = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      if (this.#rotation !== undefined && this.#size > 0 && this.#size + length > this.#rotation.max_megabytes * 1024 * 1024) await this.#rotate(this.#rotation);
      await (await this.#handle!).appendFile(data);
      this.#size += length;
    });
    this.#tail = write.catch(() => undefined);
    return write;
  }

  /** Renames the full file to `<name>-<time><ext>` (lumberjack's form), starts a new one, prunes old backups. */
  async #rotate(rotation: Rotation): Promise<void> {
    const handle = await this.#handle!;
    await handle.close();
    const now = new Date();
    const stamp = (rotation.localtime ? new Date(now.getTime() - now.getTimezoneOffset() * 60_000) : now).toISOString().replace(/:/g, '-').replace('Z', '');
    const ext = extname(this.path);
    const stem = basename(this.path, ext);
    await rename(this.path, join(dirname(this.path), `${stem}-${stamp}${ext}`));
    this.#handle = this.#openHandle();
    await this.#handle;
    const backups = (await readdir(dirname(this.path))).filter((f) => f.startsWith(`${stem}-`) && f.endsWith(ext)).sort().reverse();
    const cutoff = rotation.max_days > 0 ? Date.now() - rotation.max_days * 86_400_000 : 0;
    for (const [i, name] of backups.entries()) {
      const path = join(dirname(this.path), name);
      const old = cutoff > 0 && (await stat(path)).mtimeMs < cutoff;
      if ((rotation.max_backups > 0 && i >= rotation.max_backups) || old) await unlink(path).catch(() => undefined);
    }
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

/** One request as the Collector's file exporter writes it: a JSON line, or length-prefixed bytes for proto or compressed output. */
function record(batch: Batch, config: FileExporterConfig): string | Uint8Array {
  if (config.format === 'json' && config.compression === 'none') return `${encodeJson(batch.signal, batch.request)}\n`;
  let bytes: Uint8Array = config.format === 'proto' ? batch.bytes() : Buffer.from(encodeJson(batch.signal, batch.request));
  if (config.compression === 'zstd') bytes = zstdCompressSync(bytes);
  const out = Buffer.allocUnsafe(4 + bytes.byteLength);
  out.writeUInt32BE(bytes.byteLength, 0);
  out.set(bytes, 4);
  return out;
}

/**
 * With several workers each writes a file of its own (worker 0 the path as configured, worker i
 * `name.worker-i.ext`): processes appending to one file would interleave compressed streams and
 * rotate it under each other.
 */
export function workerPath(path: string, worker: { index: number; count: number } | undefined): string {
  if (worker === undefined || worker.count === 1 || worker.index === 0) return path;
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.worker-${worker.index}${ext}`);
}

export function createFileExporter(ctx: ExporterContext<FileExporterConfig>): Exporter {
  let file: SharedFile | undefined;
  const path = workerPath(ctx.config.path, ctx.host.workers);
  const acquire = () => SharedFile.acquire(path, ctx.config.append, ctx.config.rotation);
  return {
    start() {
      file = acquire();
    },
    async push(batch) {
      file ??= acquire();
      try {
        await file.append(record(batch, ctx.config));
      } catch (error) {
        // A full disk may clear; keep the batch queued and retry.
        throw retryableError(`write ${path}: ${errorMessage(error)}`, undefined, error);
      }
    },
    async shutdown() {
      const current = file;
      file = undefined;
      await current?.release();
    },
  };
}
