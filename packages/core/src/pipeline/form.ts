import type { Buffer } from 'node:buffer';
import type * as BusboyModule from '@fastify/busboy';
import type { BusboyFileStream } from '@fastify/busboy';
import { lazy } from '../internal/lazy.js';

const busboyModule = lazy<typeof BusboyModule>('@fastify/busboy');
import { FastTsError } from '../errors/codes.js';
import type { Request } from '../http/request.js';
import { UploadFile } from '../http/upload-file.js';

export interface UploadLimits {
  /** Largest file, in bytes. Default 10 MiB. */
  fileSize: number;
  /** Most files in one body. Default 10. */
  files: number;
  /** Most non-file fields. Default 100. */
  fields: number;
  /** Largest non-file field, in bytes. Default 1 MiB. */
  fieldSize: number;
  /** Files larger than this are written to a temporary file instead of memory. Default 1 MiB. */
  spoolThreshold: number;
  /** Folder for spooled files. Default: the OS temp folder, read when a file spools. */
  spoolDirectory?: string;
}

export const defaultUploadLimits: UploadLimits = {
  fileSize: 10 * 1024 * 1024,
  files: 10,
  fields: 100,
  fieldSize: 1024 * 1024,
  spoolThreshold: 1024 * 1024,
};

/** A parsed form: text fields by name (repeated names become lists) and files by field name. */
export interface FormData {
  fields: Record<string, string | string[]>;
  files: Record<string, UploadFile[]>;
}

const FORM_TYPE = /^(?:multipart\/form-data|application\/x-www-form-urlencoded)\b/i;

/**
 * Parses a urlencoded or multipart body with @fastify/busboy, streaming file
 * parts to memory or, past the spool threshold, to temporary files. Every
 * UploadFile created is pushed to `uploads` at once, so the caller can remove
 * them even when parsing fails half-way. Limits end in 413; a body of any
 * other content type reads as an empty form (its fields are then "missing",
 * as in FastAPI).
 */
export function readForm(request: Request, limits: UploadLimits, uploads: UploadFile[]): Promise<FormData> {
  const form: FormData = { fields: Object.create(null), files: Object.create(null) };
  const contentType = request.headers['content-type'];
  if (contentType === undefined || !FORM_TYPE.test(contentType)) return Promise.resolve(form);
  return new Promise((resolve, reject) => {
    let failed = false;
    const writes: Promise<void>[] = [];
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      request.raw.unpipe(busboy);
      request.raw.pause();
      reject(err);
    };
    let busboy: ReturnType<typeof BusboyModule.Busboy>;
    try {
      busboy = busboyModule().Busboy({
        headers: request.headers as { 'content-type': string },
        limits: { fileSize: limits.fileSize, files: limits.files, fields: limits.fields, fieldSize: limits.fieldSize },
      });
    } catch (err) {
      reject(new FastTsError('FASTTS_ERR_MULTIPART', (err as Error).message));
      return;
    }
    busboy.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) return fail(new FastTsError('FASTTS_ERR_UPLOAD_LIMIT', 'field size', limits.fieldSize));
      const current = form.fields[name];
      form.fields[name] = current === undefined ? value : Array.isArray(current) ? [...current, value] : [current, value];
    });
    busboy.on('file', (name, stream, filename, _encoding, mimeType) => {
      // Parts still parsed from what busboy already holds after a failure are
      // discarded: the files received so far may already be being removed.
      if (failed) return void stream.resume();
      const file = new UploadFile(name, filename, mimeType);
      uploads.push(file);
      (form.files[name] ??= []).push(file);
      writes.push(receive(file, stream, limits).catch((err) => fail(err)));
    });
    busboy.on('filesLimit', () => fail(new FastTsError('FASTTS_ERR_UPLOAD_LIMIT', 'number of files', limits.files)));
    busboy.on('fieldsLimit', () => fail(new FastTsError('FASTTS_ERR_UPLOAD_LIMIT', 'number of fields', limits.fields)));
    busboy.on('error', (err) => fail(new FastTsError('FASTTS_ERR_MULTIPART', (err as Error).message ?? String(err))));
    busboy.on('finish', () => {
      Promise.all(writes).then(() => {
        if (!failed) resolve(form);
      }, fail);
    });
    request.raw.on('close', () => {
      if (!request.raw.complete) fail(new FastTsError('FASTTS_ERR_REQUEST_ABORTED'));
    });
    request.raw.pipe(busboy);
  });
}

/**
 * Receives one file part: in memory, then on disk past the spool threshold
 * (UploadFile decides). A part cut short (client gone, body malformed) never
 * settles; its file is removed with the request's other uploads all the same.
 */
function receive(file: UploadFile, stream: BusboyFileStream, limits: UploadLimits): Promise<void> {
  return new Promise((resolve, reject) => {
    const resume = () => stream.resume();
    const writeFailed = (err: unknown) => {
      stream.resume();
      reject(err);
    };
    stream.on('limit', () => {
      stream.resume();
      reject(new FastTsError('FASTTS_ERR_UPLOAD_LIMIT', 'file size', limits.fileSize));
    });
    stream.on('data', (chunk: Buffer) => {
      const writing = file._receive(chunk, limits);
      if (writing === undefined) return;
      // One write at a time: the part waits for the disk.
      stream.pause();
      writing.then(resume, writeFailed);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      if (stream.truncated) return;
      const closing = file._received();
      if (closing) closing.then(() => resolve(), reject);
      else resolve();
    });
  });
}
