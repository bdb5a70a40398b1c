import { RecordType, UnionType } from '../decorators/compound-types.js';
import { Base64Bytes, Duration, Int } from '../decorators/type-tokens.js';
import { compileModel, isModelClass } from './model.js';
import { durationText } from './temporal.js';

/** Turns a validated value into what JSON should carry; undefined when nothing in the type needs it. */
export type Dump = (value: unknown) => unknown;

/**
 * The step between a response's validation and its JSON for the types JSON
 * has no form of: a duration (seconds) is sent as ISO 8601 and bytes as
 * base64, as pydantic sends them. Compiled once per response model; a model
 * without such a field anywhere inside gets no step at all.
 */
export function compileDump(type: unknown): Dump | undefined {
  return dumpFor(type, new Map());
}

function dumpFor(type: unknown, seen: Map<Function, Dump | undefined | null>): Dump | undefined {
  if (type === Duration) return (v) => (typeof v === 'number' ? durationText(v) : v);
  if (type === Base64Bytes) return (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v);
  if (Array.isArray(type)) {
    const item = dumpFor(type[0], seen);
    return item && ((v) => (Array.isArray(v) ? v.map(item) : v));
  }
  if (type instanceof RecordType) {
    const value = dumpFor(type.value, seen);
    return value && ((v) => mapValues(v, value));
  }
  if (type instanceof UnionType) {
    const members: [Function, Dump][] = [];
    let scalar: Dump | undefined;
    const numeric = (type.members as unknown[]).some((member) => member === Int || member === Number);
    for (const member of type.members as unknown[]) {
      const dump = dumpFor(member, seen);
      if (!dump) continue;
      if (typeof member === 'function') members.push([member, dump]);
      // A scalar's dump checks its value's type (a Buffer, a number of seconds); with an Int or Number member, a number is sent as it is.
      else if (!(member === Duration && numeric)) scalar = compose(scalar, dump);
    }
    if (members.length === 0) return scalar;
    return (v) => {
      const found = members.find(([m]) => v instanceof m);
      return found ? found[1](v) : scalar ? scalar(v) : v;
    };
  }
  if (isModelClass(type)) return modelDump(type, seen);
  return undefined;
}

function compose(first: Dump | undefined, then: Dump): Dump {
  return first ? (v) => then(first(v)) : then;
}

function modelDump(cls: Function, seen: Map<Function, Dump | undefined | null>): Dump | undefined {
  const known = seen.get(cls);
  if (known !== undefined) return known ?? undefined;
  // A model that contains itself: its dump is looked up when it runs, once compiled.
  seen.set(cls, (v) => (seen.get(cls) ?? ((x: unknown) => x))(v));
  const fields = compileModel(cls)
    .fields.map((f) => [f.name, dumpFor(f.type, seen)] as const)
    .filter((entry): entry is readonly [string, Dump] => entry[1] !== undefined);
  const dump: Dump | undefined =
    fields.length === 0
      ? undefined
      : (v) => {
          if (v === null || typeof v !== 'object') return v;
          const instance = v as Record<string, unknown>;
          for (const [name, field] of fields) if (instance[name] !== undefined && instance[name] !== null) instance[name] = field(instance[name]);
          return v;
        };
  seen.set(cls, dump ?? null);
  return dump;
}

function mapValues(value: unknown, dump: Dump): unknown {
  if (value === null || typeof value !== 'object') return value;
  for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = dump((value as Record<string, unknown>)[key]);
  return value;
}
