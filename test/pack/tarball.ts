import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/**
 * The files of an npm tarball, by path inside the package (`package/` removed).
 * npm writes plain ustar: a 512-byte header (name, octal size, ustar prefix)
 * followed by the content padded to 512 bytes.
 */
export async function readTarball(file: string): Promise<Map<string, Buffer>> {
  const tar = gunzipSync(await readFile(file));
  const files = new Map<string, Buffer>();
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const text = (start: number, end: number) => header.subarray(start, end).toString('utf8').replace(/\0[\s\S]*$/, '');
    const prefix = text(345, 500);
    const name = (prefix ? `${prefix}/` : '') + text(0, 100);
    const size = parseInt(text(124, 136).trim() || '0', 8);
    const type = text(156, 157);
    if (type === '0' || type === '') files.set(name.replace(/^package\//, ''), tar.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
