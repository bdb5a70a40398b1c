/**
 * The `POST /items` body every target validates: name 1..50 characters,
 * price > 0, optional list of string tags; anything else is a 422, and keys
 * outside the model are dropped from the echo.
 */
export interface ItemIn {
  name: string;
  price: number;
  tags?: string[];
}

export const NAME_MIN = 1;
export const NAME_MAX = 50;
