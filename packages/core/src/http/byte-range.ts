/** One byte range of a representation, both ends included (RFC 9110 §14.1.2). */
export interface ByteRange {
  start: number;
  end: number;
}

const SINGLE_RANGE = /^bytes=\s*(\d*)-(\d*)\s*$/i;

/**
 * The range a `Range` header asks of `size` bytes: `undefined` when the header
 * is to be ignored (another unit, bad syntax, or several ranges, which are
 * answered with the whole file rather than multipart), `'unsatisfiable'` for a
 * 416. One range by hand: range-parser's maintained line (2.x) needs Node 22.
 */
export function parseByteRange(header: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = SINGLE_RANGE.exec(header);
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '') {
    if (last === '') return undefined;
    const suffix = Number(last);
    // §14.1.3: a suffix of zero bytes, or any range of an empty file, selects nothing.
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  // §14.1.1: a last position before the first is invalid syntax, so the header is ignored.
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/**
 * If-Range (RFC 9110 §13.1.5): the range applies only while the representation
 * is the one the client holds part of, named by a strong etag or by exactly
 * its last-modified date; otherwise the whole file is sent.
 */
export function ifRangeHolds(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Date.parse(lastModified);
}
