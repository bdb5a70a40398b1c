import { INVALID, issue, type Converter } from './scalars.js';

/**
 * A UUID as pydantic reads one (the Rust `uuid` crate's parser): 32 hex
 * digits, the hyphenated form, in braces, or after `urn:uuid:`; read as the
 * lower-case hyphenated string Python's `str(uuid)` writes. A failure's
 * detail is the crate's, so the 422 reads as FastAPI's.
 */
export const uuid: Converter = (raw, loc, issues, key) => {
  if (typeof raw !== 'string') return issue(issues, 'uuid_type', loc, 'UUID input should be a string, bytes or UUID object', raw, key);
  const hex = uuidHex(raw);
  if (hex !== undefined) return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const error = uuidError(raw);
  issue(issues, 'uuid_parsing', loc, `Input should be a valid UUID, ${error}`, raw, key);
  issues[issues.length - 1]!.ctx = { error };
  return INVALID;
};

const SIMPLE = /^[0-9a-f]{32}$/i;
const HYPHENATED = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;

/** The 32 lower-case hex digits, or undefined when `text` is not a UUID. */
function uuidHex(text: string): string | undefined {
  if (text.length === 32) return SIMPLE.test(text) ? text.toLowerCase() : undefined;
  const inner = text.length === 38 && text[0] === '{' && text[37] === '}' ? text.slice(1, 37) : text.length === 45 && text.startsWith('urn:uuid:') ? text.slice(9) : text;
  const match = HYPHENATED.exec(inner);
  return match ? match.slice(1).join('').toLowerCase() : undefined;
}

const GROUP_STARTS = [0, 9, 14, 19, 24];
const GROUP_LENGTHS = [8, 4, 4, 4, 12];

/** The `uuid` crate's explanation of why `text` is not a UUID (its InvalidUuid::into_err). */
function uuidError(text: string): string {
  let body = text;
  let offset = 0;
  let simple = true;
  if (text.length >= 2 && text[0] === '{' && text[text.length - 1] === '}') {
    body = text.slice(1, -1);
    offset = 1;
    simple = false;
  } else if (text.startsWith('urn:uuid:')) {
    body = text.slice(9);
    offset = 9;
    simple = false;
  }
  const hyphens: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '-') hyphens.push(i);
    else if (!/[0-9a-fA-F]/.test(c)) {
      const character = String.fromCodePoint(body.codePointAt(i)!);
      return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${character}\` at ${i + offset + 1}`;
    }
  }
  if (hyphens.length === 0 && simple) return `invalid length: expected length 32 for simple format, found ${text.length}`;
  if (hyphens.length !== 4) return `invalid group count: expected 5, found ${hyphens.length + 1}`;
  for (let g = 0; g < 4; g++) {
    if (hyphens[g] !== GROUP_STARTS[g + 1]! - 1) return `invalid group length in group ${g}: expected ${GROUP_LENGTHS[g]}, found ${hyphens[g]! - GROUP_STARTS[g]!}`;
  }
  return `invalid group length in group 4: expected 12, found ${body.length - GROUP_STARTS[4]!}`;
}
