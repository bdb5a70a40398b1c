import { INVALID, issue, type Converter } from './scalars.js';

/**
 * pydantic's `Base64Bytes`: text decoded as Python's `base64.b64decode`
 * does (characters outside the alphabet are skipped, padding is required),
 * read as a Buffer. Node's own decoder accepts missing padding and stops at
 * garbage silently, so the checks Python makes are made here first.
 */
export const base64Bytes: Converter = (raw, loc, issues, key) => {
  if (Buffer.isBuffer(raw)) return raw;
  if (typeof raw !== 'string') return issue(issues, 'bytes_type', loc, 'Input should be a valid bytes', raw, key);
  const error = base64Error(raw);
  if (error === undefined) return Buffer.from(raw, 'base64');
  issue(issues, 'base64_decode', loc, `Base64 decoding error: '${error}'`, raw, key);
  issues[issues.length - 1]!.ctx = { error };
  return INVALID;
};

/** binascii.a2b_base64's complaint about `text` (non-strict mode), if any. */
function base64Error(text: string): string | undefined {
  let data = 0;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const inAlphabet = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (c === 61) {
      // Padding once the last quantum needs it ends the data, as in binascii.
      if (data % 4 >= 2 && data % 4 + ++pads >= 4) return undefined;
    } else if (inAlphabet) {
      data++;
      pads = 0;
    }
  }
  if (data % 4 === 1) return `Invalid base64-encoded string: number of data characters (${data}) cannot be 1 more than a multiple of 4`;
  if (data % 4 !== 0) return 'Incorrect padding';
  return undefined;
}
