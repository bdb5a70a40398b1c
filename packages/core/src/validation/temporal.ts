import type { ValidationIssue } from '../errors/validation-error.js';
import { INVALID, issue, type Converter, type Loc } from './scalars.js';

/**
 * Dates, times, datetimes and durations read as pydantic reads them: its
 * parser (speedate) takes RFC 3339 text or a Unix timestamp, and a failure
 * names the first thing wrong ("month value is outside expected range of
 * 1-12"). The messages below are speedate's, in its order of checks.
 */

const TOO_SHORT = 'input is too short';
const EXTRA = 'unexpected extra characters at the end of the input';

interface YMD {
  y: number;
  m: number;
  d: number;
}
interface HMS {
  h: number;
  mi: number;
  s: number;
  us: number;
  /** Offset from UTC in seconds; undefined for a naive time. */
  tz: number | undefined;
  end: number;
}
type Parsed<T> = T | string;

const digit = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57 ? c - 48 : -1;
};

function twoDigits(text: string, i: number): number {
  const a = digit(text, i);
  const b = digit(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** speedate's Date::parse_bytes_partial: 'YYYY-MM-DD' at the start of `text`. */
function datePart(text: string): Parsed<YMD> {
  if (text.length < 10) return TOO_SHORT;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const n = digit(text, i);
    if (n < 0) return 'invalid character in year';
    y = y * 10 + n;
  }
  if (text[4] !== '-') return 'invalid date separator, expected `-`';
  const m = twoDigits(text, 5);
  if (m < 0) return 'invalid character in month';
  if (text[7] !== '-') return 'invalid date separator, expected `-`';
  const d = twoDigits(text, 8);
  if (d < 0) return 'invalid character in day';
  if (m < 1 || m > 12) return 'month value is outside expected range of 1-12';
  const max = m === 2 && leap(y) ? 29 : MONTH_DAYS[m - 1]!;
  if (d < 1 || d > max) return 'day value is outside expected range';
  return { y, m, d };
}

/** speedate's Time::parse_bytes_offset: 'HH:MM[:SS[.ffffff]]' and an optional offset, from `at` to the end. */
function timePart(text: string, at: number): Parsed<HMS> {
  if (text.length - at < 5) return TOO_SHORT;
  const h = twoDigits(text, at);
  if (h < 0) return 'invalid character in hour';
  if (text[at + 2] !== ':') return 'invalid time separator, expected `:`';
  const mi = twoDigits(text, at + 3);
  if (mi < 0) return 'invalid character in minute';
  if (h > 23) return 'hour value is outside expected range of 0-23';
  if (mi > 59) return 'minute value is outside expected range of 0-59';
  let i = at + 5;
  let s = 0;
  let us = 0;
  if (text[i] === ':') {
    s = twoDigits(text, i + 1);
    if (s < 0) return 'invalid character in second';
    if (s > 59) return 'second value is outside expected range of 0-59';
    i += 3;
    if (text[i] === '.' || text[i] === ',') {
      i++;
      let n = 0;
      // Digits past the sixth are dropped, as pydantic's default ('truncate') does.
      while (digit(text, i) >= 0) {
        if (n < 6) us = us * 10 + digit(text, i);
        n++;
        i++;
      }
      if (n === 0) return 'second fraction digits missing after `.`';
      if (n < 6) us *= 10 ** (6 - n);
    }
  }
  let tz: number | undefined;
  if (i < text.length) {
    const c = text[i++];
    if (c === 'Z' || c === 'z') tz = 0;
    else {
      const sign = c === '+' ? 1 : c === '-' || c === '\u2212' ? -1 : 0;
      if (sign === 0) return 'invalid timezone sign';
      const th = twoDigits(text, i);
      if (th < 0) return 'invalid timezone hour';
      i += 2;
      if (text[i] === ':') i++;
      const tm = twoDigits(text, i);
      if (tm < 0) return 'invalid timezone minute';
      if (tm > 59) return 'timezone minute value is outside expected range of 0-59';
      i += 2;
      tz = sign * (th * 3600 + tm * 60);
      if (Math.abs(tz) >= 86400) return 'timezone offset must be less than 24 hours';
    }
  }
  if (i < text.length) return EXTRA;
  return { h, mi, s, us, tz, end: i };
}

// speedate's float_parse_bytes: an optional minus, digits, an optional fraction.
const NUMERIC = /^-?\d+(?:\.\d*)?$/;
const INTEGER = /^-?\d+$/;

// speedate's bounds for timestamps, in seconds: 0000-01-01 and 9999-12-31T23:59:59.
const UNIX_0000 = -62_167_219_200;
const UNIX_9999 = 253_402_300_799;

/**
 * A Unix timestamp in seconds, or in milliseconds beyond 2e10 (as speedate
 * guesses the unit); speedate's error outside the years 0000-9999 (an
 * infinity included), pydantic's for NaN.
 */
function fromTimestamp(n: number): Parsed<Date> {
  if (Number.isNaN(n)) return 'NaN values not permitted';
  // Whole microseconds first, as speedate rounds them; a Date keeps the milliseconds.
  const ms = Math.abs(n) > 2e10 ? Math.floor(n) : Math.floor(Math.round(n * 1e6) / 1000);
  const seconds = Math.floor(ms / 1000);
  if (seconds < UNIX_0000) return 'dates before 0000 are not supported as unix timestamps';
  if (seconds > UNIX_9999) return 'dates after 9999 are not supported as unix timestamps';
  return new Date(ms);
}

interface DateTimeParts {
  date: YMD;
  time: HMS | undefined;
}

/** A datetime from text: RFC 3339 first, then a timestamp (or its range error); the RFC 3339 error otherwise. */
function parseDateTime(text: string): Parsed<DateTimeParts | Date> {
  const date = datePart(text);
  let error: string;
  if (typeof date === 'string') error = date;
  else {
    const sep = text[10];
    if (sep !== 'T' && sep !== 't' && sep !== ' ' && sep !== '_') error = 'invalid datetime separator, expected `T`, `t`, `_` or space';
    else {
      const time = timePart(text, 11);
      if (typeof time !== 'string') return { date, time };
      error = time;
    }
  }
  return NUMERIC.test(text) ? fromTimestamp(Number(text)) : error;
}

/** A date from text: exactly 'YYYY-MM-DD', else speedate's error. */
function parseDate(text: string): Parsed<YMD> {
  const date = datePart(text);
  if (typeof date === 'string') return date;
  return text.length > 10 ? EXTRA : date;
}

function toDate({ date, time }: DateTimeParts): Date {
  const out = new Date(0);
  out.setUTCFullYear(date.y, date.m - 1, date.d);
  if (time) out.setUTCHours(time.h, time.mi, time.s, Math.floor(time.us / 1000));
  return time?.tz ? new Date(out.getTime() - time.tz * 1000) : out;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const ymdText = (d: YMD) => `${pad(d.y, 4)}-${pad(d.m)}-${pad(d.d)}`;

/**
 * A datetime, read as a Date: pydantic's `datetime` (`Date`, `@IsDate()`),
 * or with `aware` its AwareDatetime. A naive datetime (no offset) is taken as
 * UTC; with `aware`, it fails. A Date keeps milliseconds: microseconds beyond
 * them are dropped.
 */
function dateTimeConverter(aware: boolean): Converter {
  return (raw, loc, issues, key) => {
    if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? issue(issues, 'datetime_type', loc, 'Input should be a valid datetime', raw, key) : raw;
    // pydantic's fallback to a date reads text only: a number's error stays the datetime's.
    if (typeof raw === 'number') return made(fromTimestamp(raw), issues, loc, raw, key);
    if (typeof raw !== 'string') return issue(issues, 'datetime_type', loc, 'Input should be a valid datetime', raw, key);
    const parsed = parseDateTime(raw);
    if (typeof parsed !== 'string') {
      if (aware && !(parsed instanceof Date) && parsed.time!.tz === undefined) return issue(issues, 'timezone_aware', loc, 'Input should have timezone info', raw, key);
      return made(parsed, issues, loc, raw, key);
    }
    // pydantic's lax mode then reads a date, at midnight; its error is the
    // date's. Integer text is a timestamp to the date parser too, and got
    // here only out of range: the same error.
    const date = INTEGER.test(raw) ? parsed : parseDate(raw);
    if (typeof date === 'string') return detailed(issues, 'datetime_from_date_parsing', loc, 'Input should be a valid datetime or date', date, raw, key);
    if (aware) return issue(issues, 'timezone_aware', loc, 'Input should have timezone info', raw, key);
    return made({ date, time: undefined }, issues, loc, raw, key);
  };
}

// 0001-01-01T00:00:00Z: speedate reads year 0, which Python's datetime cannot hold.
const YEAR_1_MS = -62_135_596_800_000;

/** The Date of a parsed datetime, else datetime_parsing with speedate's reason (or Python's, for year 0). */
function made(value: Parsed<Date | DateTimeParts>, issues: ValidationIssue[], loc: Loc, raw: unknown, key: string | number | undefined): unknown {
  // Year 0 is that of the text as written (its offset applies after), or of a timestamp in UTC.
  const yearZero = typeof value !== 'string' && (value instanceof Date ? value.getTime() < YEAR_1_MS : value.date.y === 0);
  if (typeof value === 'string' || yearZero) return detailed(issues, 'datetime_parsing', loc, 'Input should be a valid datetime', typeof value === 'string' ? value : 'year 0 is out of range', raw, key);
  return value instanceof Date ? value : toDate(value);
}

export const dateTime = dateTimeConverter(false);
export const awareDateTime = dateTimeConverter(true);

/** pydantic's `{error}` types: the detail in the message and in ctx. */
function detailed(issues: ValidationIssue[], type: string, loc: Loc, msg: string, error: string, input: unknown, key: string | number | undefined): typeof INVALID {
  issue(issues, type, loc, `${msg}, ${error}`, input, key);
  issues[issues.length - 1]!.ctx = { error };
  return INVALID;
}

/**
 * A calendar date, read as 'YYYY-MM-DD'. As in pydantic's lax mode, a
 * datetime (or timestamp) at exactly midnight is taken too; any other time is
 * date_from_datetime_inexact.
 */
export const dateOnly: Converter = (raw, loc, issues, key) => {
  if (typeof raw === 'string') {
    const date = parseDate(raw);
    if (typeof date !== 'string') return ymdText(date);
    const parsed = parseDateTime(raw);
    if (typeof parsed === 'string') return detailed(issues, 'date_from_datetime_parsing', loc, 'Input should be a valid date or datetime', parsed, raw, key);
    if (!(parsed instanceof Date)) {
      const t = parsed.time!;
      if (t.h === 0 && t.mi === 0 && t.s === 0 && t.us === 0) return ymdText(parsed.date);
      return inexact(issues, loc, raw, key);
    }
    return midnight(parsed, issues, loc, raw, key);
  }
  if (typeof raw === 'number' && Number.isFinite(raw)) {
    const value = fromTimestamp(raw);
    if (typeof value === 'string') return detailed(issues, 'date_from_datetime_parsing', loc, 'Input should be a valid date or datetime', value, raw, key);
    return midnight(value, issues, loc, raw, key);
  }
  if (raw instanceof Date && !Number.isNaN(raw.getTime())) return midnight(raw, issues, loc, raw, key);
  return issue(issues, 'date_type', loc, 'Input should be a valid date', raw, key);
};

function midnight(value: Date, issues: ValidationIssue[], loc: Loc, raw: unknown, key: string | number | undefined): unknown {
  if (value.getTime() % 86_400_000 !== 0) return inexact(issues, loc, raw, key);
  return value.toISOString().slice(0, 10);
}

const inexact = (issues: ValidationIssue[], loc: Loc, raw: unknown, key: string | number | undefined) =>
  issue(issues, 'date_from_datetime_inexact', loc, 'Datetimes provided to dates should have zero time - e.g. be exact dates', raw, key);

/** A time of day, read as 'HH:MM:SS' with '.ffffff' when it has microseconds and its offset ('Z', '+02:00') when given. */
export const time: Converter = (raw, loc, issues, key) => {
  let seconds: number | undefined;
  if (typeof raw === 'string') {
    const parsed = timePart(raw, 0);
    if (typeof parsed !== 'string') return timeText(parsed);
    if (!NUMERIC.test(raw)) return detailed(issues, 'time_parsing', loc, 'Input should be in a valid time format', parsed, raw, key);
    seconds = Number(raw);
  } else if (typeof raw === 'number' && Number.isFinite(raw)) seconds = raw;
  if (seconds === undefined) return issue(issues, 'time_type', loc, 'Input should be a valid time', raw, key);
  // A number is seconds since midnight (UTC), as speedate reads it.
  if (seconds < 0 || seconds >= 86400) return detailed(issues, 'time_parsing', loc, 'Input should be in a valid time format', 'numeric times may not exceed 86,399 seconds', raw, key);
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  return timeText({ h, mi: Math.floor((whole % 3600) / 60), s: whole % 60, us: Math.round((seconds - whole) * 1e6), tz: 0, end: 0 });
};

function timeText(t: HMS): string {
  let out = `${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}`;
  if (t.us !== 0) out += `.${pad(t.us, 6)}`;
  if (t.tz === 0) out += 'Z';
  else if (t.tz !== undefined) {
    const abs = Math.abs(t.tz);
    out += `${t.tz < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}`;
  }
  return out;
}

const DAY_US = 86_400_000_000;

/**
 * A duration, read as seconds (a fraction keeps microseconds): the number
 * pydantic reads for a timedelta and Python's `total_seconds()`, so a number
 * means the same in a request, in the handler and in a response. Text is
 * ISO 8601 ('P1DT2H30M', a year as 365 days and a month as 30, as speedate
 * counts them), '[D day[s][,] ]HH:MM[:SS[.ffffff]]', or seconds as a number.
 */
export const duration: Converter = (raw, loc, issues, key) => {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw !== 'string') return issue(issues, 'time_delta_type', loc, 'Input should be a valid timedelta', raw, key);
  const parsed = parseDuration(raw);
  if (typeof parsed === 'string') return detailed(issues, 'time_delta_parsing', loc, 'Input should be a valid timedelta', parsed, raw, key);
  if (Math.abs(parsed) >= 999_999_999 * DAY_US) return detailed(issues, 'time_delta_parsing', loc, 'Input should be a valid timedelta', 'durations may not exceed 999,999,999 days', raw, key);
  return parsed / 1e6;
};

const ISO_UNITS_DATE: Record<string, number> = { Y: 365 * DAY_US, M: 30 * DAY_US, W: 7 * DAY_US, D: DAY_US };
const ISO_UNITS_TIME: Record<string, number> = { H: 3_600_000_000, M: 60_000_000, S: 1_000_000 };
const DAYS_TIME = /^(\d+)\s*(?:d|days?),?\s*(.*)$/;

/** Microseconds, or speedate's error. */
function parseDuration(text: string): Parsed<number> {
  let sign = 1;
  let body = text;
  if (body[0] === '-' || body[0] === '+') {
    sign = body[0] === '-' ? -1 : 1;
    body = body.slice(1);
  }
  if (body === '') return TOO_SHORT;
  if (body[0] === 'P') {
    const us = isoDuration(body.slice(1));
    return typeof us === 'string' ? us : sign * us;
  }
  const days = DAYS_TIME.exec(body);
  if (days) {
    const rest = days[2]!;
    let us = Number(days[1]) * DAY_US;
    if (rest !== '') {
      const t = clock(rest);
      if (typeof t === 'string') return t;
      us += t;
    }
    return sign * us;
  }
  if (body.length < 5) return /^\d+$/.test(body) ? '"day" identifier in duration not correctly formatted' : 'invalid digit in duration';
  const t = clock(body);
  return typeof t === 'string' ? t : sign * t;
}

/** 'HH:MM[:SS[.ffffff]]' with hours past 23 allowed (a duration, not a time of day). */
function clock(text: string): Parsed<number> {
  const match = /^(\d+):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?$/.exec(text);
  if (!match) {
    const t = timePart(text, 0);
    return typeof t === 'string' ? t : 'invalid character in hour';
  }
  const [, h, m, s, f] = match;
  if (Number(m) > 59) return 'minute value is outside expected range of 0-59';
  if (Number(s ?? 0) > 59) return 'second value is outside expected range of 0-59';
  return Number(h) * 3_600_000_000 + Number(m) * 60_000_000 + Number(s ?? 0) * 1_000_000 + Number((f ?? '').padEnd(6, '0'));
}

function isoDuration(text: string): Parsed<number> {
  let us = 0;
  let inTime = false;
  let i = 0;
  if (text === '') return TOO_SHORT;
  while (i < text.length) {
    if (text[i] === 'T') {
      if (inTime) return '`t` character repeated in duration';
      inTime = true;
      i++;
      continue;
    }
    const number = /^\d+(?:[.,]\d+)?/.exec(text.slice(i));
    if (!number) return 'invalid digit in duration';
    i += number[0].length;
    const unit = text[i++];
    const scale = unit === undefined ? undefined : (inTime ? ISO_UNITS_TIME : ISO_UNITS_DATE)[unit];
    if (scale === undefined) return inTime ? 'quantity invalid in time part of duration' : 'quantity invalid in date part of duration';
    us += Math.round(Number(number[0].replace(',', '.')) * scale);
  }
  return us;
}

/**
 * A duration in seconds as speedate writes it, which is what pydantic
 * sends for a timedelta: 'P1DT2H', 'PT0.5S', 'P1Y' for 365 days, '-P1D'.
 */
export function durationText(seconds: number): string {
  const total = Math.round(Math.abs(seconds) * 1e6);
  let out = seconds < 0 && total !== 0 ? '-P' : 'P';
  const days = Math.floor(total / DAY_US);
  const rest = total - days * DAY_US;
  const secs = Math.floor(rest / 1_000_000);
  const us = rest % 1_000_000;
  if (days >= 365) out += `${Math.floor(days / 365)}Y`;
  if (days % 365 !== 0) out += `${days % 365}D`;
  if (secs !== 0 || us !== 0) {
    out += 'T';
    const h = Math.floor(secs / 3600);
    const m = Math.floor((secs % 3600) / 60);
    const s = secs % 60;
    if (h !== 0) out += `${h}H`;
    if (m !== 0) out += `${m}M`;
    if (s !== 0 || us !== 0) out += `${s}${us !== 0 ? `.${pad(us, 6).replace(/0+$/, '')}` : ''}S`;
  }
  if (total === 0) out += 'T0S';
  return out;
}
