import { App, BackgroundTasks, Controller, Depends, Int, Path, Post, type AppOptions } from '@fastts/core';

/** Where the processing steps of items are written down, in the order they happen. */
export class ProcessingLog {
  readonly entries: string[] = [];

  async record(entry: string): Promise<void> {
    this.entries.push(entry);
  }
}

export const processingLog = new ProcessingLog();

/** The log as a dependency, so a test can swap it through `app.dependencyOverrides`. */
export function getProcessingLog(): ProcessingLog {
  return processingLog;
}

export async function validateItem(log: ProcessingLog, itemId: number): Promise<void> {
  await log.record(`validate item ${itemId}`);
}

export async function storeItem(log: ProcessingLog, itemId: number): Promise<void> {
  await log.record(`store item ${itemId}`);
}

@Controller('/items')
export class ItemsController {
  /** 202: the work has been accepted; it runs after the response, validate first, then store. */
  @Post('/{item_id}/process', { statusCode: 202 })
  process(@Path('item_id', { type: Int }) itemId: number, @Depends(getProcessingLog) log: ProcessingLog, tasks: BackgroundTasks) {
    tasks.addTask(validateItem, log, itemId);
    tasks.addTask(storeItem, log, itemId);
    return { item_id: itemId, status: 'processing' };
  }
}

export function createApp(options: AppOptions = {}): App {
  return new App(options).include(ItemsController);
}
