import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What to render: plain data, since it travels to a worker thread. */
export interface ThumbnailSpec {
  id: string;
  width: number;
  height: number;
  /** Work per pixel: more iterations, more CPU. */
  iterations: number;
  outputDir: string;
}

export interface ThumbnailResult {
  file: string;
  bytes: number;
  ms: number;
}

/**
 * Renders a grayscale Mandelbrot picture as a binary PGM file: pure CPU work,
 * like resizing or re-encoding an image. A worker thread imports this module
 * and calls this export; keep the module free of side effects and of the app.
 */
export async function renderThumbnail(spec: ThumbnailSpec): Promise<ThumbnailResult> {
  const started = performance.now();
  const pixels = new Uint8Array(spec.width * spec.height);
  for (let y = 0; y < spec.height; y++) {
    for (let x = 0; x < spec.width; x++) {
      const cr = (x / spec.width) * 3.5 - 2.5;
      const ci = (y / spec.height) * 2 - 1;
      let zr = 0;
      let zi = 0;
      let n = 0;
      while (n < spec.iterations && zr * zr + zi * zi < 4) {
        const next = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = next;
        n++;
      }
      pixels[y * spec.width + x] = Math.round((n / spec.iterations) * 255);
    }
  }
  const header = Buffer.from(`P5\n${spec.width} ${spec.height}\n255\n`, 'ascii');
  const image = Buffer.concat([header, pixels]);
  await mkdir(spec.outputDir, { recursive: true });
  const file = join(spec.outputDir, `${spec.id}.pgm`);
  await writeFile(file, image);
  return { file, bytes: image.length, ms: Math.round(performance.now() - started) };
}
