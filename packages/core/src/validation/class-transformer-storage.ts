// class-transformer keeps @Type/@Expose metadata in a storage it does not
// export from its entry point; NestJS reads it the same way.
// @ts-expect-error no type declarations at this deep path
import { defaultMetadataStorage as storage } from 'class-transformer/cjs/storage.js';

interface TypeMetadata {
  typeFunction: (options?: unknown) => Function;
}

interface ExposeMetadata {
  propertyName: string | undefined;
}

const typed = storage as {
  findTypeMetadata(target: Function, propertyName: string): TypeMetadata | undefined;
  findExcludeMetadata(target: Function, propertyName: string): object | undefined;
  getExposedMetadatas(target: Function): ExposeMetadata[];
};

/** The class named by `@Type(() => Child)` on a property, if any. */
export function transformedType(target: Function, property: string): Function | undefined {
  return typed.findTypeMetadata(target, property)?.typeFunction();
}

/** Properties marked `@Expose()` on a class (declared fields without validation decorators count too). */
export function exposedProperties(target: Function): string[] {
  return typed
    .getExposedMetadatas(target)
    .map((m) => m.propertyName)
    .filter((p): p is string => typeof p === 'string');
}

/** Whether a property carries `@Exclude()`. */
export function isExcluded(target: Function, property: string): boolean {
  return typed.findExcludeMetadata(target, property) !== undefined;
}
