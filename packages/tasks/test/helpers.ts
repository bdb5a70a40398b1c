import { App, BackgroundTasks, Controller, Post, type AppOptions, type Logger } from '@fastts/core';
import { TaskRuntime, type TaskDefinition, type TaskHandle, type TaskRuntimeOptions } from '@fastts/tasks';

export type LogEntry = { level: string; obj: Record<string, unknown>; msg?: string };

/** A logger that keeps what it is given, for asserting on logs. */
export function memoryLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `probe` returns true (polling every 5 ms), or rejects after `timeoutMs`. */
export async function until(probe: () => boolean | Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/**
 * An app with one route, POST /run, that adds the tasks the test gives it,
 * and a runtime attached with the test's options.
 */
export function appWith(
  add: (tasks: BackgroundTasks) => unknown,
  options: { runtime?: TaskRuntimeOptions; app?: AppOptions } = {},
): { app: App; runtime: TaskRuntime; logger: ReturnType<typeof memoryLogger> } {
  const logger = memoryLogger();
  @Controller()
  class Run {
    @Post('/run')
    run(tasks: BackgroundTasks) {
      return add(tasks) ?? {};
    }
  }
  const app = new App({ logger, ...options.app }).include(Run);
  const runtime = new TaskRuntime({ lagThresholdMs: false, offload: 'inline', ...options.runtime }).attach(app);
  return { app, runtime, logger };
}

/** Every state a task went through, as the backend reported them. */
export function stateLog(runtime: TaskRuntime): Map<string, string[]> {
  const log = new Map<string, string[]>();
  runtime.backend.watch((record) => {
    const states = log.get(record.id) ?? [];
    if (states.at(-1) !== record.state) states.push(record.state);
    log.set(record.id, states);
  });
  return log;
}

export type AnyHandle = TaskHandle<unknown>;
export type AnyDefinition = TaskDefinition<any[], unknown>;
