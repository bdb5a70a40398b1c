import { Buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FastTsError } from '../errors/codes.js';
import { SpoolFile } from './spool.js';

/** Where and when a received file moves to disk (the app's upload settings). */
export interface SpoolSettings {
  spoolThreshold: number;
  spoolDirectory?: string;
}

/**
 * A file received in a multipart body. Small files stay in memory; past the
 * app's `uploads.spoolThreshold` they are written to a temporary file as they
 * arrive. The file stays readable until the request is completely done (its
 * background tasks included), then the temporary file is removed.
 *
 * @example
 * ```ts
 * @Post('/images')
 * upload(@File('image') image: UploadFile, tasks: BackgroundTasks) {
 *   tasks.addTask(makeThumbnail, image); // still readable in the task
 *   return { filename: image.filename, size: image.size };
 * }
 * ```
 */
export class UploadFile {
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  size = 0;
  #chunks: Buffer[] | undefined = [];
  #spool: SpoolFile | undefined;
  #closed = false;

  constructor(field: string, filename: string, contentType: string) {
    this.field = field;
    this.filename = filename;
    this.contentType = contentType;
  }

  /** Where the file was spooled on disk, or undefined while it is held in memory. */
  get path(): string | undefined {
    return this.#spool?.path;
  }

  async buffer(): Promise<Buffer> {
    this.#assertOpen();
    if (this.#spool !== undefined) return readFile(this.#spool.path);
    return Buffer.concat(this.#chunks!, this.size);
  }

  async text(): Promise<string> {
    return (await this.buffer()).toString('utf8');
  }

  stream(): Readable {
    this.#assertOpen();
    return this.#spool !== undefined ? createReadStream(this.#spool.path) : Readable.from(this.#chunks!);
  }

  /**
   * Releases the file: drops the chunks in memory, or closes and deletes the
   * temporary file. The framework calls it once the request is completely done
   * (background tasks included), and on every way a request can fail.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#chunks = undefined;
    if (this.#spool !== undefined) await this.#spool.remove();
  }

  /**
   * @internal Takes one received chunk: kept in memory up to the spool
   * threshold, then written to a temporary file. Returns a promise while a
   * write is in flight (the caller pauses the part until it settles). Once
   * `close()` was called, chunks are dropped and no file is created.
   */
  _receive(chunk: Buffer, settings: SpoolSettings): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.size += chunk.length;
    if (this.#spool !== undefined) return this.#spool.write(chunk);
    const chunks = this.#chunks!;
    chunks.push(chunk);
    if (this.size <= settings.spoolThreshold) return undefined;
    const spool = (this.#spool = new SpoolFile(settings.spoolDirectory, settings));
    this.#chunks = undefined;
    let written: Promise<void> | undefined;
    // Queued in order: the last write settles after the ones before it.
    for (const held of chunks) written = spool.write(held);
    return written;
  }

  /** @internal The whole part arrived: a spooled file's descriptor is closed (the file stays until `close()`). */
  _received(): Promise<void> | undefined {
    return this.#closed ? undefined : this.#spool?.end();
  }

  #assertOpen(): void {
    if (this.#closed || this.#spool?.removed) throw new FastTsError('FASTTS_ERR_UPLOAD_CLOSED', this.filename);
  }
}
