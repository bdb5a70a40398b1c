import type * as ClassValidator from 'class-validator';
import { lazy } from '../internal/lazy.js';
import { compileModel } from './model.js';

// The decorators alone, not class-validator's index (see validatorStorage in model.ts).
const isOptional = lazy<Pick<typeof ClassValidator, 'IsOptional'>>('class-validator/cjs/decorator/common/IsOptional.js');
const validateIf = lazy<Pick<typeof ClassValidator, 'ValidateIf'>>('class-validator/cjs/decorator/common/ValidateIf.js');

const partials = new WeakMap<Function, Function>();

/**
 * A model with every field of `cls` optional and its constraints kept, for
 * PATCH bodies: a field the client sends is validated as in `cls`, one it
 * leaves out stays absent. The class is built once per model, named
 * `<Model>Partial` (its OpenAPI component), and a subclass of `cls`, so
 * `@Type`, `@Exclude` and `@Model` options carry over. Its constructor does
 * not run `cls`'s field initialisers: a validated instance holds exactly the
 * fields that were sent, which is what `{ ...stored, ...patch }` needs
 * (pydantic's `model_dump(exclude_unset=True)`).
 *
 * @example
 * ```ts
 * class ItemPatch extends PartialModel(Item) {}
 *
 * @Patch('/items/:id')
 * update(@Path('id') id: string, @Body() patch: ItemPatch) {
 *   return (items[id] = { ...items[id], ...patch });
 * }
 * ```
 */
export function PartialModel<T extends object>(cls: abstract new (...args: never[]) => T): new () => Partial<T> {
  const known = partials.get(cls);
  if (known) return known as new () => Partial<T>;
  const name = `${cls.name}Partial`;
  // A function rather than a class: a derived class's constructor would have to run cls's initialisers.
  const partial = { [name]: function (this: object) {} }[name] as unknown as new () => Partial<T>;
  partial.prototype = Object.create(cls.prototype, { constructor: { value: partial, writable: true, configurable: true } });
  // Static inheritance: class-transformer finds a class's ancestors through it.
  Object.setPrototypeOf(partial, cls);
  for (const field of compileModel(cls).fields) {
    if (field.optional) continue;
    isOptional().IsOptional()(partial.prototype, field.name);
    // class-validator drops a parent's conditional rules on a property the subclass gives one: restated here.
    for (const condition of field.conditions) validateIf().ValidateIf(condition)(partial.prototype, field.name);
  }
  partials.set(cls, partial);
  return partial;
}
