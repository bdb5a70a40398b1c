/** A promise, or anything `await` would treat as one. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * A native promise for a thenable: itself when it is one, otherwise a promise
 * that adopts it (a query builder, a promise from another library), as
 * `await` would.
 */
export function adopt(value: PromiseLike<unknown>): Promise<unknown> {
  return value instanceof Promise ? value : Promise.resolve(value);
}
