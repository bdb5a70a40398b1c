import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { App, BackgroundTasks, Controller, Get, HTTPException, Int, Path, Post, Query, type AppOptions } from '@fastts/core';
import { currentTask, defineTask, TaskRuntime, TasksController, TasksDashboard, type TaskBackend } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';

/** The SQLite file tasks are kept in: FASTTS_TASKS_DB, else tasks.db in this example's folder. */
export const tasksDb = () => process.env['FASTTS_TASKS_DB'] ?? fileURLToPath(new URL('../tasks.db', import.meta.url));

export interface Report {
  id: string;
  sections: string[];
}

/** Finished reports, by id (a database table in a real app). */
export const reports = new Map<string, Report>();

/** Time each section takes to build; REPORT_STEP_MS overrides it. */
const stepMs = () => Number(process.env['REPORT_STEP_MS'] ?? 500);

// Reports progress after each section; GET /tasks/{id} shows it. The signal
// makes DELETE /tasks/{id} stop it between (and during) sections.
export const buildReport = defineTask(
  'build-report',
  async (reportId: string, sections: number) => {
    const task = currentTask()!;
    const built: string[] = [];
    for (let i = 1; i <= sections; i++) {
      await sleep(stepMs(), undefined, { signal: task.signal });
      built.push(`section ${i}`);
      task.progress(Math.round((i / sections) * 100));
    }
    reports.set(reportId, { id: reportId, sections: built });
    return { report_url: `/reports/${reportId}` };
  },
  { timeoutMs: 5 * 60_000 },
);

let nextReport = 0;

@Controller('/reports')
export class ReportsController {
  @Post('', { statusCode: 202 })
  create(@Query('sections', { type: Int, default: 4 }) sections: number, tasks: BackgroundTasks) {
    if (sections < 1 || sections > 50) throw new HTTPException(422, 'sections must be between 1 and 50');
    const reportId = String(++nextReport);
    const handle = tasks.addTask(buildReport, reportId, sections);
    return { task_id: handle.id, status_url: `/tasks/${handle.id}` };
  }

  @Get('/{report_id}')
  read(@Path('report_id') reportId: string) {
    const report = reports.get(reportId);
    if (!report) throw new HTTPException(404, 'Report not found');
    return report;
  }
}

export interface StatusAppOptions extends AppOptions {
  /** Where tasks are kept. Default: the SQLite file `tasksDb()` names, so a report's status outlives the process. */
  tasksBackend?: TaskBackend;
}

export function createApp(options: StatusAppOptions = {}): App {
  const { tasksBackend, ...appOptions } = options;
  const app = new App(appOptions).include(ReportsController);
  const runtime = new TaskRuntime({ backend: tasksBackend ?? sqliteBackend({ path: tasksDb() }) }).attach(app);
  runtime.register(buildReport);
  // GET /tasks/{task_id}, GET /tasks?state=, DELETE /tasks/{task_id}, POST /tasks/{task_id}/retry
  app.include(new TasksController(runtime));
  // The page for people, at /dashboard (guard it in a real app: see docs/tasks.md, The dashboard).
  return app.include(new TasksDashboard(runtime), { prefix: '/dashboard' });
}
