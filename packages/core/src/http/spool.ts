import type { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every spool file not removed yet, so that files held by abandoned work can still be removed. */
const live = new Set<SpoolFile>();

const noop = () => {};

/**
 * The temporary file an upload is written to past the spool threshold. Its
 * operations run one after another: open, the writes, closing the descriptor,
 * then removal. Removal waits for the open to settle, so a file is never
 * created after its removal was decided (a plain `rm` racing the stream's
 * asynchronous open left files on disk: 4 in 26,000 aborted uploads, issue 15),
 * and the descriptor is closed before the file is unlinked (an unlinked file
 * whose descriptor stays open keeps its disk space: 300 aborted uploads held
 * 266 MB and exhausted the descriptor limit).
 */
export class SpoolFile {
  readonly path: string;
  /** The settings object the file was spooled under, to remove one app's files only. */
  readonly owner: object | undefined;
  #handle: FileHandle | undefined;
  /** The last operation queued. */
  #queue: Promise<void>;
  #removal: Promise<void> | undefined;

  constructor(directory: string | undefined, owner?: object) {
    this.path = join(directory ?? tmpdir(), `fastts-upload-${randomUUID()}`);
    this.owner = owner;
    live.add(this);
    // 'wx': never write into a file that already exists.
    this.#queue = open(this.path, 'wx', 0o600).then((handle) => void (this.#handle = handle));
    this.#queue.catch(noop);
  }

  /** True once removal was decided: nothing is written any more. */
  get removed(): boolean {
    return this.#removal !== undefined;
  }

  /** Appends a chunk after the writes before it. Rejects if the file could not be opened or written. */
  write(chunk: Buffer): Promise<void> {
    return this.#then(() => (this.#handle ? writeAll(this.#handle, chunk) : undefined));
  }

  /** Every chunk is written: closes the descriptor. The file stays until `remove()`. */
  end(): Promise<void> {
    return this.#then(() => this.#closeHandle());
  }

  /** Closes the descriptor and deletes the file, after the open and the writes in flight settle. Idempotent. */
  remove(): Promise<void> {
    return (this.#removal ??= this.#queue.then(noop, noop).then(() => this.#delete()));
  }

  #then(step: () => Promise<void> | undefined): Promise<void> {
    if (this.#removal !== undefined) return this.#removal;
    const next = this.#queue.then(step);
    next.catch(noop);
    return (this.#queue = next);
  }

  async #delete(): Promise<void> {
    try {
      // No handle: the open failed and there is no file of ours to delete (with 'wx', a file
      // already there belongs to someone else).
      if (this.#handle === undefined) return;
      await this.#closeHandle().catch(noop);
      await unlink(this.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    } finally {
      live.delete(this);
    }
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    if (handle === undefined || handle.fd === -1) return;
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
}

/**
 * Removes every spool file still alive, or only those spooled under `owner`
 * (an app's upload settings). For `App.close()` after its shutdown deadline:
 * the uploads of abandoned requests and tasks are otherwise removed only when
 * their background run ends, which may be never. Resolves with how many files
 * it removed; a file that cannot be deleted rejects, after the others are done.
 */
export async function removeAbandonedUploads(owner?: object): Promise<number> {
  const files = [...live].filter((file) => owner === undefined || file.owner === owner);
  const results = await Promise.allSettled(files.map((file) => file.remove()));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return files.length;
}
