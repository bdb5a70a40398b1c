import { Controller, Delete, EventSourceResponse, Get, HTTPException, Int, Path, Post, Query, Request, Response, lastEventId } from '@fastts/core';
import { taskStates, type TaskRecord, type TaskState } from './backend.js';
import type { TaskRuntime } from './runtime.js';
import { TaskEventStream, seenMark } from './task-events.js';

export interface TasksControllerOptions {
  /** Include each task's arguments in answers. Default false: arguments often hold personal data. */
  exposeArgs?: boolean;
  /**
   * How often `GET /tasks/{task_id}/events` reads a task from a durable
   * backend, for the changes other processes make. Default 500 ms.
   */
  eventsPollIntervalMs?: number;
}

/**
 * Task status over HTTP, for the "202 + poll" pattern and a dashboard:
 *
 * - `GET /tasks/{task_id}`: one task's record (404 if unknown or forgotten);
 * - `GET /tasks/{task_id}/events`: its changes as server-sent events (`state`, `progress`) until it finishes;
 * - `GET /tasks?state=&name=&queue=&limit=`: newest first, with counts by state;
 * - `GET /tasks/stats`: counts by state, counts by state of each queue, and each queue's depth against its bound;
 * - `DELETE /tasks/{task_id}`: cancel (202; 409 once finished);
 * - `POST /tasks/{task_id}/retry`: run a failed, dead or cancelled task again (202; 409 otherwise).
 *
 * Guard it like any admin route (controller `dependencies`), and mount it
 * elsewhere with `include(controller, { prefix })`.
 *
 * @example
 * ```ts
 * app.include(new TasksController(runtime), { dependencies: [Depends(requireAdmin)] });
 * ```
 */
// An enum object, not the list: an unknown state fails as FastAPI's Enum does (`enum`, not `literal_error`).
const stateEnum = Object.freeze(Object.fromEntries(taskStates.map((state) => [state, state]))) as Readonly<Record<TaskState, TaskState>>;

/** `?state=` (repeatable) and `?limit=` of the task list, shared with the dashboard's JSON API so both check the same. */
export const stateQuery = Query('state', { type: [String], enum: stateEnum, optional: true });
export const limitQuery = Query('limit', { type: Int, default: 50, ge: 1, le: 1000 });

@Controller('/tasks', { tags: ['tasks'] })
export class TasksController {
  readonly #runtime: TaskRuntime;
  readonly #exposeArgs: boolean;
  readonly #pollIntervalMs: number;

  constructor(runtime: TaskRuntime, options: TasksControllerOptions = {}) {
    this.#runtime = runtime;
    this.#exposeArgs = options.exposeArgs ?? false;
    this.#pollIntervalMs = options.eventsPollIntervalMs ?? 500;
  }

  @Get('')
  async list(
    @stateQuery state: TaskState[] | undefined,
    @Query('name', { type: String, optional: true }) name: string | undefined,
    @limitQuery limit: number,
    @Query('queue', { type: String, optional: true }) queue?: string,
  ) {
    const items = await this.#runtime.list({ state: state?.length ? state : undefined, name, queue, limit });
    return { items: items.map((record) => this.#view(record)), counts: await this.#runtime.stats() };
  }

  // Declared before `/{task_id}`, which would otherwise take 'stats' for an id.
  @Get('/stats')
  async stats() {
    const queues = this.#runtime.queueStats();
    // Registered queues, and those with tasks admitted here (a definition may be registered later).
    const names = [...new Set([...this.#runtime.queues, ...Object.keys(queues)])];
    const byQueue = Object.fromEntries(await Promise.all(names.map(async (queue) => [queue, await this.#runtime.stats({ queue })] as const)));
    return { counts: await this.#runtime.stats(), byQueue, queues };
  }

  @Get('/{task_id}')
  async read(@Path('task_id') id: string) {
    return this.#view(await this.#find(id));
  }

  /**
   * The task's current snapshot, then each change, until it finishes. Event
   * ids go up across reconnections: with `Last-Event-ID` the stream resumes
   * from the current snapshot, left out if the client has it already, and a
   * client that has the final one gets 204 (an EventSource stops then).
   */
  // The class names the media type in the OpenAPI document; the handler always returns a Response itself.
  @Get('/{task_id}/events', { responseClass: EventSourceResponse })
  async events(@Path('task_id') id: string, request: Request) {
    const stream = await TaskEventStream.open(this.#runtime, id, seenMark(lastEventId(request)), {
      pollIntervalMs: this.#pollIntervalMs,
      view: (record) => this.#view(record),
    });
    if (!stream) throw new HTTPException(404, `task ${id} not found`);
    if (stream.caughtUp) {
      await stream.return();
      return new Response(undefined, { status: 204 });
    }
    return new EventSourceResponse(stream);
  }

  @Delete('/{task_id}')
  async cancel(@Path('task_id') id: string, response: Response) {
    const record = await this.#find(id);
    if (!(await this.#runtime.cancel(id))) throw new HTTPException(409, `task ${id} has already finished (${record.state})`);
    response.status = 202;
    return this.#view((await this.#runtime.get(id)) ?? record);
  }

  @Post('/{task_id}/retry')
  async retry(@Path('task_id') id: string, response: Response) {
    const record = await this.#find(id);
    if (!(await this.#runtime.retry(id))) throw new HTTPException(409, `task ${id} cannot be retried (${record.state})`);
    response.status = 202;
    return this.#view((await this.#runtime.get(id)) ?? record);
  }

  async #find(id: string): Promise<TaskRecord> {
    const record = await this.#runtime.get(id);
    if (!record) throw new HTTPException(404, `task ${id} not found`);
    return record;
  }

  #view(record: TaskRecord) {
    const { args, error, history, ...rest } = record;
    return {
      ...rest,
      ...(this.#exposeArgs ? { args } : {}),
      // Stacks stay in the logs.
      error: error && { name: error.name, message: error.message, ...(error.code ? { code: error.code } : {}) },
      history: history.map((attempt) => ({ ...attempt, error: attempt.error && { name: attempt.error.name, message: attempt.error.message } })),
    };
  }
}
