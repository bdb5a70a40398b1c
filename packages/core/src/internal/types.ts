/** Any class. */
export type Class<T = any> = abstract new (...args: any[]) => T;

/** A concrete class whose constructor can be called. */
export type Constructor<T = any> = new (...args: any[]) => T;

export type Awaitable<T> = T | Promise<T>;
