import { BackgroundTasks } from '../background.js';
import { FastTsError } from '../errors/codes.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import type { Request } from '../http/request.js';
import { Response } from '../http/response.js';
import { adopt, isThenable } from '../internal/thenable.js';
import { INVALID } from '../validation/scalars.js';
import { RequestContext, type Cleanup } from '../pipeline/context.js';
import type { DependencyStep, InjectToken, Plan, ValueStep } from './plan.js';

/** Returned by `solve` when the request's data did not validate; the issues are on the context. */
export const FAILED: unique symbol = Symbol('failed');

/**
 * Solves a plan depth-first, as FastAPI's `solve_dependencies` does:
 * dependencies in declaration order, then the plan's own values, collecting
 * every issue before giving up. A dependency whose inputs are invalid is not
 * called; its siblings still are. Returns the call's result, or a promise
 * only when something on the way is asynchronous.
 */
export function solve(plan: Plan, ctx: RequestContext): unknown {
  if (plan.deps.length > 0) return solveDependenciesFrom(0, plan, ctx, new Array(plan.arity), false);
  return callWith(plan, ctx, new Array(plan.arity), false);
}

/**
 * Solves `plan.deps` from `from` on, one after the other, then calls the
 * plan. It stays synchronous while each value is at hand and goes on after a
 * promise only where a dependency returns one: sync dependency chains cost no
 * turns of the microtask queue.
 */
function solveDependenciesFrom(from: number, plan: Plan, ctx: RequestContext, args: unknown[], failed: boolean): unknown {
  const deps = plan.deps;
  for (let i = from; i < deps.length; i++) {
    const step = deps[i]!;
    const value = solveDependency(step, ctx);
    if (isThenable(value)) return resumeAfter(value, i, plan, ctx, args, failed);
    if (value === FAILED) failed = true;
    else if (step.index >= 0) args[step.index] = value;
  }
  return callWith(plan, ctx, args, failed);
}

// The asynchronous paths build their closures in helpers of their own, so the
// synchronous functions create none on their way (callWith used to create one
// per call).

/** Goes on with the dependency after `i` once dependency `i` has settled. */
function resumeAfter(value: PromiseLike<unknown>, i: number, plan: Plan, ctx: RequestContext, args: unknown[], failed: boolean): Promise<unknown> {
  return adopt(value).then((settled) => {
    const step = plan.deps[i]!;
    if (settled !== FAILED && step.index >= 0) args[step.index] = settled;
    return solveDependenciesFrom(i + 1, plan, ctx, args, failed || settled === FAILED);
  });
}

/** Reads the plan's values into `args` and calls it, unless anything failed. */
function callWith(plan: Plan, ctx: RequestContext, args: unknown[], failed: boolean): unknown {
  let pending: Promise<boolean>[] | undefined;
  for (const step of plan.values) {
    const value = readValue(step, ctx);
    if (value === INVALID) failed = true;
    // A model with an async custom constraint.
    else if (value instanceof Promise) (pending ??= []).push(settleInto(value, args, step.index));
    else args[step.index] = value;
  }
  return pending ? callAfter(pending, plan, ctx, args, failed) : call(plan, ctx, args, failed);
}

/** Stores a value validated asynchronously; resolves to whether it was valid. */
function settleInto(value: Promise<unknown>, args: unknown[], index: number): Promise<boolean> {
  return value.then((v) => {
    if (v === INVALID) return false;
    args[index] = v;
    return true;
  });
}

function callAfter(pending: Promise<boolean>[], plan: Plan, ctx: RequestContext, args: unknown[], failed: boolean): Promise<unknown> {
  return Promise.all(pending).then((valid) => call(plan, ctx, args, failed || valid.includes(false)));
}

function call(plan: Plan, ctx: RequestContext, args: unknown[], failed: boolean): unknown {
  if (failed) return FAILED;
  for (const step of plan.injects) args[step.index] = inject(step.token, plan, ctx);
  return invoke(plan, args, ctx);
}

/** A dependency's value (from the request's cache when it allows), or a promise of it. */
function solveDependency(step: DependencyStep, ctx: RequestContext): unknown {
  const key = step.plan.key;
  if (step.useCache && ctx.cache?.has(key)) return ctx.cache.get(key);
  const value = solve(step.plan, ctx);
  return isThenable(value) ? rememberLater(value, step, ctx) : remember(step, ctx, value);
}

function rememberLater(value: PromiseLike<unknown>, step: DependencyStep, ctx: RequestContext): Promise<unknown> {
  return adopt(value).then((settled) => remember(step, ctx, settled));
}

function remember(step: DependencyStep, ctx: RequestContext, value: unknown): unknown {
  if (value !== FAILED && step.useCache) (ctx.cache ??= new Map()).set(step.plan.key, value);
  return value;
}

function readValue(step: ValueStep, ctx: RequestContext): unknown {
  const request = ctx.request;
  let raw: unknown;
  let loc = step.loc;
  switch (step.source) {
    case 'path':
      raw = request.pathParams[step.key!];
      break;
    case 'query':
      raw = step.group ? request.query : request.query[step.key!];
      break;
    case 'header':
      if (step.group) raw = pick(request.raw.headers, step.group);
      else raw = step.many ? headerList(request, step.key!) : request.raw.headers[step.key!];
      break;
    case 'cookie':
      raw = step.group ? request.cookies : request.cookies[step.key!];
      break;
    case 'form':
      raw = step.group ? ctx.form?.fields : ctx.form?.fields[step.key!];
      break;
    case 'file':
      raw = ctx.form?.files[step.key!];
      break;
    case 'body':
      if (ctx.embedBody && step.key !== undefined) {
        loc = step.embeddedLoc;
        raw = isObject(ctx.body) ? ctx.body[step.key] : undefined;
      } else {
        raw = ctx.body;
      }
      break;
  }
  if (raw === undefined) {
    if (!step.required) return cloneDefault(step.default);
    (ctx.issues ??= []).push({ type: 'missing', loc, msg: 'Field required', input: loc === step.embeddedLoc && loc.length > 1 ? (ctx.body ?? null) : null });
    return INVALID;
  }
  // A scalar read from a repeatable source takes the last value, as Starlette does.
  if (!step.many && Array.isArray(raw) && step.source !== 'body' && step.source !== 'file') raw = raw[raw.length - 1];
  if (!step.syncIssues) return step.convert(raw, loc, (ctx.issues ??= []));
  // A valid value, the common case, then costs the request no issues list.
  const value = step.convert(raw, loc, scratchIssues);
  if (scratchIssues.length > 0) {
    (ctx.issues ??= []).push(...scratchIssues);
    scratchIssues.length = 0;
  }
  return value;
}

/** Where converters that finish before returning record issues; emptied into the request's list at once. */
const scratchIssues: ValidationIssue[] = [];

function inject(token: InjectToken, plan: Plan, ctx: RequestContext): unknown {
  switch (token) {
    case 'scopes':
      return plan.securityScopes;
    case 'request':
      return ctx.request;
    case 'response':
      return (ctx.response ??= new Response(undefined, { status: 0 }));
    case 'tasks':
      return (ctx.tasks ??= injectedTasks(ctx));
    case 'session':
      // Throws FASTTS_ERR_SESSION_NOT_INSTALLED without sessions(); read-only on a WebSocket route.
      return ctx.request.session;
    case 'websocket':
      // Only a WebSocket route's context has one (websocket/context.ts); its compile refuses the tokens above it cannot serve.
      return (ctx as RequestContext & { websocket?: unknown }).websocket;
  }
}

function invoke(plan: Plan, args: unknown[], ctx: RequestContext): unknown {
  const result = plan.invoke(args);
  if (plan.cleanup === 'none') return result;
  const generator = result as Cleanup['generator'];
  const started = generator.next();
  return started instanceof Promise ? enteredLater(started, plan, generator, ctx) : entered(plan, generator, started, ctx);
}

function enteredLater(started: Promise<IteratorResult<unknown>>, plan: Plan, generator: Cleanup['generator'], ctx: RequestContext): Promise<unknown> {
  return started.then((step) => entered(plan, generator, step, ctx));
}

function entered(plan: Plan, generator: Cleanup['generator'], step: IteratorResult<unknown>, ctx: RequestContext): unknown {
  if (step.done) throw new FastTsError('FASTTS_ERR_CLEANUP_NO_YIELD', plan.label);
  (ctx.cleanups ??= []).push({ label: plan.label, generator });
  return step.value;
}

/** No error to hand to cleanups. */
export const NO_ERROR: unique symbol = Symbol('no-error');

/**
 * Resumes generator dependencies, last entered first. An error is thrown in
 * at their `yield`; whatever they throw replaces it for the ones outside them.
 * On the request's error path, a cleanup that swallows the error turns it into
 * FASTTS_ERR_CLEANUP_SWALLOWED (FastAPI answers 500 too). Returns the error
 * left at the end, or NO_ERROR.
 */
export async function runCleanups(ctx: RequestContext, error: unknown, swallowIsError: boolean): Promise<unknown> {
  const cleanups = ctx.cleanups;
  if (cleanups === undefined) return error;
  ctx.cleanups = undefined;
  let current = error;
  for (let i = cleanups.length - 1; i >= 0; i--) {
    const { label, generator } = cleanups[i]!;
    try {
      const step = current === NO_ERROR ? await generator.next() : await generator.throw(current);
      if (!step.done) {
        await generator.return(undefined);
        throw new FastTsError('FASTTS_ERR_CLEANUP_YIELDED_TWICE', label);
      }
      if (current !== NO_ERROR && swallowIsError) {
        current = Object.assign(new FastTsError('FASTTS_ERR_CLEANUP_SWALLOWED', label), { cause: current });
      } else if (current !== NO_ERROR) {
        current = NO_ERROR;
      }
    } catch (err) {
      current = err;
    }
  }
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function cloneDefault(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

/** Every value of a repeated header; node joins most duplicates into one string. */
function headerList(request: Request, name: string): string[] | undefined {
  const distinct = request.raw.headersDistinct as Record<string, string[]> | undefined;
  if (distinct) return distinct[name];
  // Fake requests (in-process test clients) have no headersDistinct.
  const value = request.raw.headers[name];
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function pick(source: Record<string, unknown>, group: [string, string][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, key] of group) if (source[key] !== undefined) out[field] = source[key];
  return out;
}

function injectedTasks(ctx: RequestContext): BackgroundTasks {
  const tasks = new BackgroundTasks();
  tasks.origin = ctx;
  return tasks;
}
