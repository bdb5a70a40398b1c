import { setControllerMeta } from './metadata.js';
import type { ParamMarker } from './params.js';

export interface ControllerOptions {
  /** OpenAPI tags for every route of the controller. */
  tags?: string[];
  /** Dependencies solved before every route of the controller (their values are discarded). */
  dependencies?: ParamMarker[];
}

/**
 * Marks a class whose decorated methods are routes under `prefix`.
 *
 * @example
 * ```ts
 * @Controller('/items')
 * class ItemsController {
 *   @Get('/{item_id}')
 *   read(@Path('item_id', { type: Int }) itemId: number) { return { item_id: itemId }; }
 * }
 * ```
 */
export function Controller(prefix = '', options: ControllerOptions = {}): ClassDecorator {
  return (target) => setControllerMeta(target, { prefix, options });
}

/**
 * Makes TypeScript emit constructor parameter types for a class used as a
 * dependency whose constructor takes only injectable types (BackgroundTasks,
 * Request, Response) and so has no parameter decorator of its own.
 */
export function Injectable(): ClassDecorator {
  return () => {};
}
