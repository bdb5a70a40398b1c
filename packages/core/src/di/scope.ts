import { FastTsError } from '../errors/codes.js';
import type { Request } from '../http/request.js';
import type { Provided } from './depends.js';
import type { Plan, PlanCompiler } from './plan.js';
import { RequestContext } from '../pipeline/context.js';
import { FAILED, NO_ERROR, runCleanups, solve } from './solve.js';

/**
 * Dependencies solved outside a request, for work that outlives it (a task
 * that opens its own database session). Values are cached for the scope's
 * life, and generator dependencies are cleaned up, last entered first, by
 * `close()`. Dependencies that read request data cannot be solved here.
 *
 * @example
 * ```ts
 * const scope = app.createScope();
 * try { const db = await scope.resolve(getDb); await work(db); }
 * finally { await scope.close(); }
 * ```
 */
export class DependencyScope {
  readonly #compiler: PlanCompiler;
  readonly #ctx: RequestContext;
  readonly #checked = new WeakSet<Plan>();

  constructor(compiler: PlanCompiler, label = 'scope') {
    this.#compiler = compiler;
    // No request here: plans that would read one are refused before solving.
    this.#ctx = new RequestContext(undefined as unknown as Request, label);
  }

  async resolve<D extends Function>(dependency: D): Promise<Provided<D>> {
    const plan = this.#compiler.dependency(dependency);
    this.#check(plan, plan.label);
    const cache = (this.#ctx.cache ??= new Map());
    if (cache.has(plan.key)) return cache.get(plan.key) as Provided<D>;
    const value = await solve(plan, this.#ctx);
    if (value === FAILED) throw new FastTsError('FASTTS_ERR_SCOPE_REQUEST_DATA', plan.label);
    cache.set(plan.key, value);
    return value as Provided<D>;
  }

  /** Runs the cleanups; `error` (the work's failure) is thrown in at their `yield`. Rejects with what a cleanup threw. */
  async close(error?: unknown): Promise<void> {
    const left = await runCleanups(this.#ctx, error === undefined ? NO_ERROR : error, false);
    if (left !== NO_ERROR && left !== error) throw left;
  }

  #check(plan: Plan, root: string): void {
    if (this.#checked.has(plan)) return;
    const reads = plan.values.length > 0 || plan.injects.some((i) => i.token === 'request' || i.token === 'response' || i.token === 'session');
    if (reads) throw new FastTsError('FASTTS_ERR_SCOPE_REQUEST_DATA', root === plan.label ? root : `${root} (through ${plan.label})`);
    for (const dep of plan.deps) this.#check(dep.plan, root);
    this.#checked.add(plan);
  }
}
