const kModelOptions = Symbol('fastts:model');

export interface ModelOptions {
  /**
   * What to do with input keys the model does not declare: `ignore` drops
   * them (the default, as pydantic), `forbid` answers 422 `extra_forbidden`.
   */
  extra?: 'ignore' | 'forbid';
}

/**
 * Options for a class used as a request or response model.
 *
 * @example
 * ```ts
 * @Model({ extra: 'forbid' })
 * class Item { @IsString() name!: string; }
 * ```
 */
export function Model(options: ModelOptions): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(kModelOptions, options, target);
  };
}

export function modelOptions(target: Function): ModelOptions {
  return Reflect.getMetadata(kModelOptions, target) ?? {};
}
