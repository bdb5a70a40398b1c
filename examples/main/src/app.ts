import { setTimeout as sleep } from 'node:timers/promises';
import { App, BackgroundTasks, Controller, Get, Int, Path, Post, Query, type AppOptions } from '@fastts/core';

/** Items whose processing has finished, written by the background task. */
export const processedItems = new Set<number>();

/** Stands in for slow work (resizing images, calling another service) done after the response. */
export async function processItem(itemId: number, delayMs: number): Promise<void> {
  await sleep(delayMs);
  processedItems.add(itemId);
}

@Controller()
export class HomeController {
  @Get('/')
  home() {
    return {
      message: 'Welcome to fastts',
      links: {
        item: '/items/1',
        item_with_query: '/items/1?q=hello',
        process_item: { method: 'POST', href: '/items/1/process' },
      },
    };
  }
}

@Controller('/items')
export class ItemsController {
  readonly #processDelayMs: number;

  constructor(processDelayMs = Number(process.env['PROCESS_DELAY_MS'] ?? 100)) {
    this.#processDelayMs = processDelayMs;
  }

  @Get('/{item_id}')
  read(@Path('item_id', { type: Int }) itemId: number, @Query('q', { optional: true }) q?: string) {
    // `q: undefined` would vanish from the JSON; FastAPI sends null.
    return { item_id: itemId, q: q ?? null, processed: processedItems.has(itemId) };
  }

  @Post('/{item_id}/process', { statusCode: 202 })
  process(@Path('item_id', { type: Int }) itemId: number, tasks: BackgroundTasks) {
    tasks.addTask(processItem, itemId, this.#processDelayMs);
    return { item_id: itemId, status: 'processing' };
  }
}

export interface MainOptions extends AppOptions {
  /** How long processing an item takes. Default: PROCESS_DELAY_MS, else 100. */
  processDelayMs?: number;
}

export function createApp(options: MainOptions = {}): App {
  const { processDelayMs, ...appOptions } = options;
  return new App(appOptions).include(HomeController).include(new ItemsController(processDelayMs));
}
