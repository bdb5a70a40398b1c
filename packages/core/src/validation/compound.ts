import { RecordType, UnionType } from '../decorators/compound-types.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import { INVALID, issue, locate, type Converter } from './scalars.js';

/**
 * Records and unions, checked as pydantic checks `dict[str, T]` and
 * `Union[A, B]`. Their parts' converters come from `inner`, so models,
 * scalars and the other tokens nest in them.
 */
export function compoundConverter(type: RecordType | UnionType, inner: (type: unknown) => Converter): Converter {
  if (type instanceof RecordType) return recordConverter(inner(type.value));
  return type.discriminator === undefined ? smartUnion(type, inner) : taggedUnion(type, inner);
}

/** A record: each value is checked at `[..., key]`; a Map is read as its entries (a handler's return value). */
function recordConverter(value: Converter): Converter {
  return (raw, loc, issues, key) => {
    const entries = raw instanceof Map ? [...raw.entries()] : isPlainObject(raw) ? Object.entries(raw) : undefined;
    if (entries === undefined) return issue(issues, 'dict_type', loc, 'Input should be a valid dictionary', raw, key);
    const here = locate(loc, key);
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [k, v] of entries) {
      const converted = value(v, here, issues, String(k));
      if (converted === INVALID) ok = false;
      // defineProperty: a key such as "__proto__" is data, not the prototype.
      else Object.defineProperty(out, String(k), { value: converted, enumerable: true, writable: true, configurable: true });
    }
    return ok ? out : INVALID;
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
}

const label = (member: unknown) => (member as { name?: string }).name ?? String(member);

/**
 * pydantic's smart union of models: the first member that validates wins.
 * When none does, every member's errors are reported, each under the
 * member's class name (`['body', 'pet', 'Cat', 'meow']`).
 */
function smartUnion(type: UnionType, inner: (type: unknown) => Converter): Converter {
  const members = type.members.map((member) => [label(member), inner(member)] as const);
  return (raw, loc, issues, key) => {
    const here = locate(loc, key);
    const collected: ValidationIssue[] = [];
    for (const [name, convert] of members) {
      const attempt: ValidationIssue[] = [];
      const value = convert(raw, [...here, name], attempt);
      if (value instanceof Promise) throw new TypeError('a union member with an async constraint is not supported');
      if (value !== INVALID) return value;
      collected.push(...attempt);
    }
    issues.push(...collected);
    return INVALID;
  };
}

/**
 * A discriminated union: the tag field picks the member, whose errors are
 * reported under the tag (`['body', 'pet', 'cat', 'meow']`); a missing or
 * unknown tag is one error, pydantic's union_tag_not_found / union_tag_invalid.
 */
function taggedUnion(type: UnionType, inner: (type: unknown) => Converter): Converter {
  const field = type.discriminator!;
  const byTag = new Map(Object.entries(type.mapping ?? {}).map(([tag, member]) => [tag, inner(member)]));
  const discriminator = `'${field}'`;
  const expected = [...byTag.keys()].map((tag) => `'${tag}'`).join(', ');
  return (raw, loc, issues, key) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return issue(issues, 'model_attributes_type', loc, 'Input should be a valid dictionary or object to extract fields from', raw, key);
    }
    const tag = (raw as Record<string, unknown>)[field];
    if (tag === undefined) {
      issue(issues, 'union_tag_not_found', loc, `Unable to extract tag using discriminator ${discriminator}`, raw, key);
      issues[issues.length - 1]!.ctx = { discriminator };
      return INVALID;
    }
    const convert = byTag.get(String(tag));
    if (convert === undefined) {
      issue(issues, 'union_tag_invalid', loc, `Input tag '${String(tag)}' found using ${discriminator} does not match any of the expected tags: ${expected}`, raw, key);
      issues[issues.length - 1]!.ctx = { discriminator, tag: String(tag), expected_tags: expected };
      return INVALID;
    }
    return convert(raw, [...locate(loc, key), String(tag)], issues);
  };
}
