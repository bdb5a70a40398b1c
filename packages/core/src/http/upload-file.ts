import { Buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';

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
  #path: string | undefined;
  #closed = false;

  constructor(field: string, filename: string, contentType: string) {
    this.field = field;
    this.filename = filename;
    this.contentType = contentType;
  }

  /** Where the file was spooled on disk, or undefined while it is held in memory. */
  get path(): string | undefined {
    return this.#path;
  }

  async buffer(): Promise<Buffer> {
    this.#assertOpen();
    if (this.#path !== undefined) return readFile(this.#path);
    return Buffer.concat(this.#chunks!, this.size);
  }

  async text(): Promise<string> {
    return (await this.buffer()).toString('utf8');
  }

  stream(): Readable {
    this.#assertOpen();
    return this.#path !== undefined ? createReadStream(this.#path) : Readable.from(this.#chunks!);
  }

  /** Removes the temporary file; the framework calls it after the request's background tasks. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#chunks = undefined;
    if (this.#path !== undefined) await rm(this.#path, { force: true });
  }

  /** @internal Used while receiving the file. */
  _append(chunk: Buffer): void {
    this.#chunks!.push(chunk);
    this.size += chunk.length;
  }

  /** @internal The file moved to disk: the chunks written so far are there. */
  _spooled(path: string): Buffer[] {
    const chunks = this.#chunks!;
    this.#path = path;
    this.#chunks = undefined;
    return chunks;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`upload '${this.filename}' was already closed`);
  }
}
