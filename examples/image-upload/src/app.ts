import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { App, BackgroundTasks, Controller, File, Get, HTTPException, Path, Post, UploadFile, type AppOptions } from '@fastts/core';

/** Where processed results are written; OUTPUT_DIR overrides it. */
export const outputDir = () => process.env['OUTPUT_DIR'] ?? 'processed';

export type ImageStatus = { state: 'processing' } | { state: 'done'; size: number; sha256: string; contentType: string };

/** What the status route reports, by upload id. */
export const statuses = new Map<string, ImageStatus>();

/**
 * The slow part, after the response: read the upload (still on disk or in
 * memory: fastts removes it only once this task has finished), hash it and
 * write a small report next to the other processed images.
 */
export async function processImage(id: string, image: UploadFile): Promise<void> {
  const bytes = await image.buffer();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await mkdir(outputDir(), { recursive: true });
  await writeFile(join(outputDir(), `${id}.json`), JSON.stringify({ filename: image.filename, size: bytes.length, sha256 }));
  statuses.set(id, { state: 'done', size: bytes.length, sha256, contentType: image.contentType });
}

let nextId = 1;

@Controller('/images')
export class ImagesController {
  @Post('', { statusCode: 202 })
  upload(@File('image') image: UploadFile, tasks: BackgroundTasks) {
    if (!image.contentType.startsWith('image/')) throw new HTTPException(415, `expected an image, got ${image.contentType}`);
    const id = String(nextId++);
    statuses.set(id, { state: 'processing' });
    tasks.addTask(processImage, id, image);
    return { id, filename: image.filename, size: image.size, status: `/images/${id}` };
  }

  @Get('/{id}')
  status(@Path('id') id: string) {
    const status = statuses.get(id);
    if (!status) throw new HTTPException(404, 'Image not found');
    return { id, ...status };
  }
}

export function createApp(options: AppOptions = {}): App {
  return new App(options).include(ImagesController);
}
