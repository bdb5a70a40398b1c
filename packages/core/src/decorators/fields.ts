import { discriminatedUnion, recordOf, unionOf, type UnionMember } from './compound-types.js';
import { AwareDateTime, Base64Bytes, DateOnly, DecimalOf, Duration, Time } from './type-tokens.js';
import { lazy } from '../internal/lazy.js';
import { setFieldType } from '../validation/field-types.js';

// class-validator's storage and metadata class only (not its index, see validation/model.ts).
const validatorStorage = lazy<{ getMetadataStorage(): { addValidationMetadata(m: unknown): void } }>('class-validator/cjs/metadata/MetadataStorage.js');
const validationMetadata = lazy<{ ValidationMetadata: new (args: object) => unknown }>('class-validator/cjs/metadata/ValidationMetadata.js');

/**
 * Model field decorators for the types class-validator has no decorator for
 * (docs/validation.md, "More types"). Each sets the field's type, so the
 * field is read, checked and documented as pydantic's type would be; combine
 * them with class-validator's (`@IsOptional()`, ...) as usual. `each: true`
 * makes the field a list of that type, as class-validator's `each` does.
 */
export interface FieldTypeOptions {
  each?: boolean;
}

type PropertyDecorator = (target: object, property: string | symbol) => void;

function typed(type: unknown, options: FieldTypeOptions = {}): PropertyDecorator {
  return (target, property) => {
    setFieldType(target.constructor, String(property), { type, each: options.each === true });
    // Also an @Allow() in class-validator's storage, so the field keeps its place among the class's
    // fields (errors are reported in declaration order) and class-validator's whitelist keeps it.
    const { ValidationMetadata } = validationMetadata();
    validatorStorage().getMetadataStorage().addValidationMetadata(new ValidationMetadata({ type: 'whitelistValidation', target: target.constructor, propertyName: String(property), validationOptions: {} }));
  };
}

/** A calendar date (`datetime.date`), read as 'YYYY-MM-DD'. */
export const IsDateOnly = (options?: FieldTypeOptions) => typed(DateOnly, options);
/** A time of day (`datetime.time`), read as 'HH:MM:SS[.ffffff]' with its offset if given. */
export const IsTime = (options?: FieldTypeOptions) => typed(Time, options);
/** A datetime that must carry an offset (pydantic's `AwareDatetime`), read as a Date. */
export const IsTimezoneAware = (options?: FieldTypeOptions) => typed(AwareDateTime, options);
/** A duration (`datetime.timedelta`), read as seconds and sent as ISO 8601. */
export const IsDuration = (options?: FieldTypeOptions) => typed(Duration, options);
/** Bytes as base64 text (pydantic's `Base64Bytes`), read as a Buffer and sent as base64. */
export const IsBase64Bytes = (options?: FieldTypeOptions) => typed(Base64Bytes, options);

/**
 * An exact decimal (`Decimal`, with pydantic's `max_digits` and
 * `decimal_places`), read and sent as text.
 * @example
 * class Price { @IsDecimalText({ maxDigits: 5, decimalPlaces: 2 }) amount!: string }
 */
export const IsDecimalText = (limits: { maxDigits?: number; decimalPlaces?: number } = {}, options?: FieldTypeOptions) => typed(DecimalOf(limits), options);

/**
 * A record of string keys to values of `value`'s type (`dict[str, T]`); a
 * Map returned by a handler is sent as an object.
 * @example
 * class Stock { @IsRecord(Int) counts!: Record<string, number> }
 */
export const IsRecord = (value: unknown, options?: FieldTypeOptions) => typed(recordOf(value), options);

/**
 * A union of models (`Cat | Dog`) or scalars (`int | str`), read as pydantic's
 * smart mode reads it (see `unionOf`).
 * @example
 * class Owner { @IsUnion(Cat, Dog) pet!: Cat | Dog }
 * class Ticket { @IsUnion(Int, String) id!: number | string }
 */
export const IsUnion = (...members: UnionMember[]) => typed(unionOf(...members));

/**
 * A union of models picked by a tag field (pydantic's `Field(discriminator='kind')`).
 * @example
 * class Owner { @IsDiscriminatedUnion('kind', { cat: Cat, dog: Dog }) pet!: Cat | Dog }
 */
export const IsDiscriminatedUnion = (discriminator: string, mapping: Record<string, abstract new (...args: any[]) => unknown>, options?: FieldTypeOptions) =>
  typed(discriminatedUnion(discriminator, mapping), options);
