/// <reference types="reflect-metadata" />
import { createRequire } from 'node:module';

// Installs Reflect.metadata, which TypeScript's emitted `design:type` calls
// need: a settings class that imports @Env gets its field types recorded.
createRequire(import.meta.url)('reflect-metadata');

/** A type a variable's text can be read as; `[T]` is a list of T. */
export type SettingType = StringConstructor | NumberConstructor | BooleanConstructor | DateConstructor | ObjectConstructor | ArrayConstructor | (new () => object) | [SettingType];

export interface EnvOptions {
  /** The variable's full name, used as is: the prefix does not apply (as pydantic-settings' aliases). */
  name?: string;
  /** The field's type when its design type cannot say: a union (`string | null`), or a list of numbers (`[Number]`). */
  type?: SettingType;
}

const kEnv = Symbol('fastts:settings:env');

/**
 * Marks a field as a setting, with its own variable name or type. Fields with
 * a class-validator decorator are settings already; `@Env()` is for the rest.
 *
 * @example
 * ```ts
 * class Settings {
 *   @Env('DATABASE_URL') @IsUrl() db!: string;
 *   @Env({ type: [Number] }) ports: number[] = [8000];
 * }
 * ```
 */
export function Env(nameOrOptions: string | EnvOptions = {}): PropertyDecorator {
  const options = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
  return (target, property) => {
    if (typeof property !== 'string') return;
    const own: Map<string, EnvOptions> = Object.prototype.hasOwnProperty.call(target, kEnv) ? (target as Record<symbol, Map<string, EnvOptions>>)[kEnv]! : new Map(envOptionsOf(target));
    own.set(property, options);
    Object.defineProperty(target, kEnv, { value: own, configurable: true });
  };
}

/** Fields marked with @Env on a prototype (its parents' included), and their options. */
export function envOptionsOf(prototype: object): ReadonlyMap<string, EnvOptions> {
  return (prototype as Record<symbol, Map<string, EnvOptions> | undefined>)[kEnv] ?? new Map();
}
