import type * as ClassValidator from 'class-validator';
import { createRequire } from 'node:module';
import { envOptionsOf, type SettingType } from './env-decorator.js';
import { envName } from './env-name.js';
import { SettingsError } from './errors.js';

/** One setting: where it is read from, what its text becomes, and what happens when it is absent. */
export interface SettingField {
  field: string;
  /** The variable, prefix included unless the name was given with @Env. */
  variable: string;
  type: SettingType;
  /** `@IsOptional()`: an absent variable leaves the field undefined instead of being required. */
  optional: boolean;
}

// The metadata storage alone (a process-wide singleton), not class-validator's
// index, which loads every validator.js rule and libphonenumber-js (about 14 MB).
const requireCjs = createRequire(import.meta.url);
const storage = () => (requireCjs('class-validator/cjs/metadata/MetadataStorage.js') as Pick<typeof ClassValidator, 'getMetadataStorage'>).getMetadataStorage();

// What a class-validator type rule says of a field whose design type is Object
// (a union): `@IsString() token: string | undefined` is a string.
const HINTS: Record<string, SettingType> = { isString: String, isInt: Number, isNumber: Number, isBoolean: Boolean, isDate: Date, isArray: Array };

/** The settings of `cls` (`defaults`: a new instance of it): its fields with a class-validator decorator or @Env, each with its variable and type. */
export function settingFields(cls: new () => object, defaults: object, prefix: string): SettingField[] {
  const byField = new Map<string, { hints: SettingType[]; optional: boolean }>();
  for (const m of storage().getTargetValidationMetadatas(cls, '', true, false)) {
    const entry = byField.get(m.propertyName) ?? { hints: [], optional: false };
    if (m.type === 'conditionalValidation' && m.name === 'isOptional') entry.optional = true;
    const hint = m.name ? HINTS[m.name] : undefined;
    if (hint && !m.each) entry.hints.push(hint);
    byField.set(m.propertyName, entry);
  }
  const marked = envOptionsOf(cls.prototype);
  for (const field of marked.keys()) if (!byField.has(field)) byField.set(field, { hints: [], optional: false });
  if (byField.size === 0) throw new SettingsError('FASTTS_ERR_SETTINGS_NO_FIELDS', [cls.name]);

  return [...byField].map(([field, { hints, optional }]) => {
    const options = marked.get(field) ?? {};
    const designType: unknown = Reflect.getMetadata('design:type', cls.prototype, field);
    // tsc emits Object for a union and for a field with no annotation (`port = 8000`), SWC emits
    // nothing for the latter: a class-validator type rule, then the initial value, say more.
    const type = options.type ?? (designType === Object || designType === undefined ? (hints[0] ?? typeOfValue((defaults as Record<string, unknown>)[field]) ?? designType) : designType);
    if (!isSettingType(type)) throw new SettingsError('FASTTS_ERR_SETTINGS_FIELD_TYPE', [cls.name, field, typeName(designType)]);
    return { field, variable: options.name ?? prefix + envName(field), type, optional };
  });
}

function typeOfValue(value: unknown): SettingType | undefined {
  if (typeof value === 'string') return String;
  if (typeof value === 'number') return Number;
  if (typeof value === 'boolean') return Boolean;
  if (value instanceof Date) return Date;
  if (Array.isArray(value)) return Array;
  // A class instance: read it as JSON into the same class.
  return typeof value === 'object' && value !== null ? (value.constructor as SettingType) : undefined;
}

function isSettingType(type: unknown): type is SettingType {
  if (Array.isArray(type)) return type.length === 1 && isSettingType(type[0]);
  return typeof type === 'function' && type !== Function && type !== Symbol && type !== BigInt && type !== Promise;
}

function typeName(type: unknown): string {
  return typeof type === 'function' ? type.name : 'missing (no design:type metadata)';
}
