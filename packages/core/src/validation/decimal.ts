import type { DecimalToken } from '../decorators/type-tokens.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import { INVALID, issue, type Converter, type Loc } from './scalars.js';

/**
 * pydantic's Decimal, kept as text: '0.1' stays '0.1', never a float. The
 * value is the text Python's `str(Decimal(input))` writes ('1.50' keeps its
 * zero, '1e3' is '1E+3', '.5' is '0.5'), so what comes in goes out exactly.
 * Digits are counted as pydantic counts them for `max_digits` and
 * `decimal_places`: a limit fails only when both the number as written and
 * its normalised form (trailing zeros dropped) exceed it.
 */

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const SPECIAL = /^[+-]?(?:inf|infinity|s?nan)$/i;

interface Parts {
  negative: boolean;
  /** Coefficient digits, no leading zeros ('0' for zero). */
  digits: string;
  exponent: number;
}

function parse(text: string): Parts | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exp] = match;
  if (whole === '' && fraction === '') return undefined;
  const digits = (whole + fraction).replace(/^0+(?=\d)/, '');
  return { negative: sign === '-', digits, exponent: Number(exp ?? 0) - fraction.length };
}

/** Python's Decimal.__str__ (to-scientific-string). */
function format({ negative, digits, exponent }: Parts): string {
  const left = exponent + digits.length;
  const dot = exponent <= 0 && left > -6 ? left : 1;
  let int: string;
  let frac = '';
  if (dot <= 0) {
    int = '0';
    frac = `.${'0'.repeat(-dot)}${digits}`;
  } else if (dot >= digits.length) int = digits + '0'.repeat(dot - digits.length);
  else {
    int = digits.slice(0, dot);
    frac = `.${digits.slice(dot)}`;
  }
  const exp = left === dot ? '' : `E${left - dot >= 0 ? '+' : ''}${left - dot}`;
  return `${negative ? '-' : ''}${int}${frac}${exp}`;
}

/** pydantic-core's extract_decimal_digits_info: [decimals, digits]. */
function count({ digits, exponent }: Parts): [number, number] {
  if (exponent >= 0) return [0, digits.length + exponent];
  return [-exponent, Math.max(digits.length, -exponent)];
}

function normalized(parts: Parts): Parts {
  if (/^0+$/.test(parts.digits)) return { ...parts, digits: '0', exponent: 0 };
  const trimmed = parts.digits.replace(/0+$/, '');
  return { ...parts, digits: trimmed, exponent: parts.exponent + parts.digits.length - trimmed.length };
}

const plural = (n: number) => (n === 1 ? '' : 's');

export function decimalConverter(token: DecimalToken): Converter {
  const { maxDigits, decimalPlaces } = token;
  const limited = maxDigits !== undefined || decimalPlaces !== undefined;
  return (raw, loc, issues, key) => {
    let text: string;
    if (typeof raw === 'string') text = raw.trim();
    else if (typeof raw === 'number' && typeof raw !== 'boolean') {
      if (!Number.isFinite(raw)) return issue(issues, 'finite_number', loc, 'Input should be a finite number', raw, key);
      // A float's shortest text, as Python's repr writes it: 0.1 is '0.1'. Send text to be exact beyond 17 digits.
      text = String(raw);
    } else if (typeof raw === 'bigint') text = raw.toString();
    else return issue(issues, 'decimal_type', loc, 'Decimal input should be an integer, float, string or Decimal object', raw, key);
    const parts = parse(text.replaceAll('_', ''));
    if (parts === undefined) {
      if (SPECIAL.test(text)) return issue(issues, 'finite_number', loc, 'Input should be a finite number', raw, key);
      return issue(issues, 'decimal_parsing', loc, 'Input should be a valid decimal', raw, key);
    }
    if (limited && !withinLimits(parts, maxDigits, decimalPlaces, issues, loc, raw, key)) return INVALID;
    return format(parts);
  };
}

function withinLimits(parts: Parts, maxDigits: number | undefined, decimalPlaces: number | undefined, issues: ValidationIssue[], loc: Loc, raw: unknown, key: string | number | undefined): boolean {
  const [decimals, digits] = count(parts);
  const [nDecimals, nDigits] = count(normalized(parts));
  const fail = (type: string, msg: string, ctx: Record<string, unknown>) => {
    issue(issues, type, loc, msg, raw, key);
    issues[issues.length - 1]!.ctx = ctx;
    return false;
  };
  if (maxDigits !== undefined && digits > maxDigits && nDigits > maxDigits) {
    return fail('decimal_max_digits', `Decimal input should have no more than ${maxDigits} digit${plural(maxDigits)} in total`, { max_digits: maxDigits });
  }
  if (decimalPlaces !== undefined) {
    if (decimals > decimalPlaces && nDecimals > decimalPlaces) {
      return fail('decimal_max_places', `Decimal input should have no more than ${decimalPlaces} decimal place${plural(decimalPlaces)}`, { decimal_places: decimalPlaces });
    }
    if (maxDigits !== undefined) {
      const whole = Math.max(0, maxDigits - decimalPlaces);
      if (Math.max(0, digits - decimals) > whole && Math.max(0, nDigits - nDecimals) > whole) {
        return fail('decimal_whole_digits', `Decimal input should have no more than ${whole} digit${plural(whole)} before the decimal point`, { whole_digits: whole });
      }
    }
  }
  return true;
}
