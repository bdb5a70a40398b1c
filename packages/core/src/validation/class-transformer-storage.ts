import { lazy } from '../internal/lazy.js';

// class-transformer keeps @Type/@Expose/@Exclude metadata in a storage it does
// not export from its entry point; NestJS reads it the same way.
interface Storage {
  findTypeMetadata(target: Function, propertyName: string): { typeFunction: (options?: unknown) => Function } | undefined;
  findExcludeMetadata(target: Function, propertyName: string): object | undefined;
  getExposedMetadatas(target: Function): { propertyName: string | undefined }[];
}

const storage = lazy<{ defaultMetadataStorage: Storage }>('class-transformer/cjs/storage.js');

/** The class named by `@Type(() => Child)` on a property, if any. */
export function transformedType(target: Function, property: string): Function | undefined {
  return storage().defaultMetadataStorage.findTypeMetadata(target, property)?.typeFunction();
}

/** Properties marked `@Expose()` on a class (declared fields without validation decorators count too). */
export function exposedProperties(target: Function): string[] {
  return storage()
    .defaultMetadataStorage.getExposedMetadatas(target)
    .map((m) => m.propertyName)
    .filter((p): p is string => typeof p === 'string');
}

/** Whether a property carries `@Exclude()`. */
export function isExcluded(target: Function, property: string): boolean {
  return storage().defaultMetadataStorage.findExcludeMetadata(target, property) !== undefined;
}
