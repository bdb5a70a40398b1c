import { lazy } from '../internal/lazy.js';

// class-transformer keeps @Type/@Expose/@Exclude metadata in a storage it does
// not export from its entry point; NestJS reads it the same way.
interface Storage {
  findTypeMetadata(target: Function, propertyName: string): { typeFunction: (options?: unknown) => Function } | undefined;
  findExcludeMetadata(target: Function, propertyName: string): object | undefined;
  getExposedMetadatas(target: Function): { propertyName: string | undefined }[];
  getExcludedMetadatas(target: Function): { options?: object }[];
  findTransformMetadatas(target: Function, propertyName: string, transformationType: number): unknown[];
  getStrategy(target: Function): string;
}

// class-transformer's TransformationType.CLASS_TO_PLAIN.
const CLASS_TO_PLAIN = 1;

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

/**
 * Whether `instanceToPlain` could send something other than the instance's
 * fields as they are: `@Expose` (renames, getters), `@Transform`, a
 * class-level strategy, or an `@Exclude` limited by options.
 */
export function hasCustomTransforms(target: Function, properties: string[]): boolean {
  const s = storage().defaultMetadataStorage;
  if (s.getStrategy(target) !== 'none' || s.getExposedMetadatas(target).length > 0) return true;
  if (s.getExcludedMetadatas(target).some((m) => m.options !== undefined && Object.keys(m.options).length > 0)) return true;
  return properties.some((p) => s.findTransformMetadatas(target, p, CLASS_TO_PLAIN).length > 0);
}
