import { Controller, Delete, FileResponse, Get, HTMLResponse, HTTPException, Path, Post, Query, Request, Response } from '@fastts/core';
import type { TaskState } from '../backend.js';
import { TasksController, limitQuery, stateQuery, type TasksControllerOptions } from '../router.js';
import type { TaskRuntime } from '../runtime.js';
import { DASHBOARD_CSP, DashboardAssets } from './assets.js';

export interface TasksDashboardOptions extends TasksControllerOptions {}

const hidden = { includeInSchema: false } as const;
const pageHeaders = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
// Revalidated with the file's ETag: an upgraded package is picked up at once.
const assetHeaders = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', 'content-security-policy': DASHBOARD_CSP };
const MUTATION_HEADER = 'x-tasks-dashboard';

/**
 * A task dashboard in the browser: counts by state and by queue, a list
 * filtered by state, name and queue, a task's detail (arguments, attempts
 * with their errors and timings, progress, result), retry and cancel. The
 * open task is followed live through its server-sent events (`GET
 * …/api/tasks/{id}/events`); counts and the list are polled about once a
 * second, and so is the open task if its events fail. It is one page, a script and a
 * stylesheet read from the package's folder (no CDN, no framework), over the
 * same JSON answers as {@link TasksController}, served under its own `api/`,
 * so one `include` with one guard covers all of it. It uses only the
 * runtime's API, so it shows any backend.
 *
 * Arguments are shown only with `exposeArgs: true`. Retry and cancel require
 * a header that the page sends and a cross-site form cannot.
 *
 * @example
 * ```ts
 * app.include(new TasksDashboard(runtime), { prefix: '/tasks/ui', dependencies: [Depends(requireAdmin)] });
 * ```
 */
@Controller()
export class TasksDashboard {
  readonly #api: TasksController;
  readonly #assets: DashboardAssets;
  // One page per path that reached it; a route without parameters has one (plus HEAD's, the same).
  readonly #pages = new Map<string, Response>();

  constructor(runtime: TaskRuntime, options: TasksDashboardOptions = {}) {
    this.#api = new TasksController(runtime, options);
    this.#assets = new DashboardAssets();
  }

  @Get('', hidden)
  page(request: Request): Response {
    let page = this.#pages.get(request.path);
    if (page === undefined) {
      page = new HTMLResponse(this.#assets.page(request.path), { headers: pageHeaders });
      if (this.#pages.size < 8) this.#pages.set(request.path, page);
    }
    return page;
  }

  @Get('/assets/{file}', hidden)
  asset(@Path('file') file: string): Response {
    const path = this.#assets.path(file);
    if (path === undefined) throw new HTTPException(404, 'Not Found');
    return new FileResponse(path, { headers: assetHeaders });
  }

  @Get('/api/tasks', hidden)
  list(
    @stateQuery state: TaskState[] | undefined,
    @Query('name', { type: String, optional: true }) name: string | undefined,
    @limitQuery limit: number,
    @Query('queue', { type: String, optional: true }) queue?: string,
  ) {
    return this.#api.list(state, name, limit, queue);
  }

  // Declared before `/api/tasks/{task_id}`, which would otherwise take 'stats' for an id.
  @Get('/api/tasks/stats', hidden)
  stats() {
    return this.#api.stats();
  }

  @Get('/api/tasks/{task_id}', hidden)
  read(@Path('task_id') id: string) {
    return this.#api.read(id);
  }

  @Get('/api/tasks/{task_id}/events', hidden)
  events(@Path('task_id') id: string, request: Request) {
    return this.#api.events(id, request);
  }

  @Delete('/api/tasks/{task_id}', hidden)
  cancel(@Path('task_id') id: string, request: Request, response: Response) {
    sentByThePage(request);
    return this.#api.cancel(id, response);
  }

  @Post('/api/tasks/{task_id}/retry', hidden)
  retry(@Path('task_id') id: string, request: Request, response: Response) {
    sentByThePage(request);
    return this.#api.retry(id, response);
  }
}

/**
 * A form on another site can POST here with the user's cookies, but cannot
 * add a header: that takes a CORS preflight, refused unless the app's CORS
 * policy lets that site in.
 */
function sentByThePage(request: Request): void {
  if (request.headers[MUTATION_HEADER] !== '1') throw new HTTPException(403, `send the header ${MUTATION_HEADER}: 1 (the dashboard page does)`);
}
