/**
 * Field types set by fastts's own model decorators (decorators/fields.ts),
 * for the types class-validator has no decorator for. Kept beside
 * class-validator's metadata, read once when a model compiles.
 */
export interface FieldType {
  type: unknown;
  /** A list of `type` (class-validator's `each`). */
  each: boolean;
}

const byClass = new WeakMap<Function, Map<string, FieldType>>();

export function setFieldType(target: Function, property: string, type: FieldType): void {
  let fields = byClass.get(target);
  if (!fields) byClass.set(target, (fields = new Map()));
  fields.set(property, type);
}

/** The type a decorator set on `property`, on the class or the nearest class it extends. */
export function fieldTypeOf(cls: Function, property: string): FieldType | undefined {
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const found = byClass.get(c)?.get(property);
    if (found) return found;
  }
  return undefined;
}

/** Every property typed by such a decorator, inherited ones included. */
export function typedProperties(cls: Function): string[] {
  const names = new Set<string>();
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    for (const name of byClass.get(c)?.keys() ?? []) names.add(name);
  }
  return [...names];
}
