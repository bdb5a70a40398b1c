import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Max, Min, IsInt } from '@fastts/core/validators';
import { App, BackgroundTasks, Body, Controller, Get, Post, type AppOptions } from '@fastts/core';
import { defineTask, TaskRuntime, TasksController, type OffloadOptions, type TaskBackend } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { renderThumbnail } from './jobs/thumbnail.js';

/** Where thumbnails are written; OUTPUT_DIR overrides it (default: a folder in the system's temp directory). */
export const outputDir = () => resolve(process.env['OUTPUT_DIR'] ?? join(tmpdir(), 'fastts-thumbnails'));

/** The SQLite file tasks are kept in: FASTTS_TASKS_DB, else tasks.db in this example's folder. */
export const tasksDb = () => process.env['FASTTS_TASKS_DB'] ?? fileURLToPath(new URL('../tasks.db', import.meta.url));

// A function cannot cross threads: the worker imports this URL and calls the
// export named like the function. Next to the compiled app.js it is
// dist/jobs/thumbnail.js, plain JavaScript a worker can load.
export const thumbnail = defineTask('render-thumbnail', renderThumbnail, {
  offload: { module: new URL('./jobs/thumbnail.js', import.meta.url) },
  queue: 'images',
  timeoutMs: 60_000,
});

export class ThumbnailRequest {
  @IsInt()
  @Min(16)
  @Max(4096)
  width!: number;

  @IsInt()
  @Min(16)
  @Max(4096)
  height!: number;

  @IsInt()
  @Min(1)
  @Max(10_000)
  iterations!: number;
}

@Controller()
export class ThumbnailController {
  @Post('/thumbnails', { statusCode: 202 })
  create(@Body() spec: ThumbnailRequest, tasks: BackgroundTasks) {
    const id = randomUUID();
    const handle = tasks.addTask(thumbnail, { id, width: spec.width, height: spec.height, iterations: spec.iterations, outputDir: outputDir() });
    return { task_id: handle.id, status_url: `/tasks/${handle.id}` };
  }

  /** Stays fast while thumbnails render: they run on worker threads. */
  @Get('/ping')
  ping() {
    return { pong: true };
  }
}

export interface OffloadAppOptions extends AppOptions {
  /** Worker pool size and such, or `inline` to render in process (tests: vitest's TypeScript cannot be loaded by a worker). */
  offload?: OffloadOptions | 'inline';
  /** Where tasks are kept. Default: the SQLite file `tasksDb()` names. */
  tasksBackend?: TaskBackend;
}

export function createApp(options: OffloadAppOptions = {}): App {
  const { offload, tasksBackend, ...appOptions } = options;
  const app = new App(appOptions).include(ThumbnailController);
  const backend = tasksBackend ?? sqliteBackend({ path: tasksDb() });
  // Two renders at a time at most; the pool has one thread less than the cores by default.
  const runtime = new TaskRuntime({ backend, offload, queues: { images: { concurrency: 2 } } }).attach(app);
  runtime.register(thumbnail);
  return app.include(new TasksController(runtime));
}
