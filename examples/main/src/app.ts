import { setTimeout as sleep } from 'node:timers/promises';
import { App, BackgroundTasks, Controller, Get, Int, Path, Post, Query, type AppOptions } from '@fastts/core';
import { serveDocs } from '@fastts/openapi';
import { IsBoolean, IsInt, IsOptional, IsString } from '@fastts/core/validators';

/** Items whose processing has finished, written by the background task. */
export const processedItems = new Set<number>();

/** Stands in for slow work (resizing images, calling another service) done after the response. */
export async function processItem(itemId: number, delayMs: number): Promise<void> {
  await sleep(delayMs);
  processedItems.add(itemId);
}

/** What `GET /items/{item_id}` answers; the same class documents it at /docs. */
export class Item {
  @IsInt()
  item_id!: number;

  @IsOptional()
  @IsString()
  q!: string | null;

  @IsBoolean()
  processed!: boolean;
}

@Controller()
export class HomeController {
  @Get('/', { summary: 'Links to try' })
  home() {
    return {
      message: 'Welcome to fastts',
      links: {
        item: '/items/1',
        item_with_query: '/items/1?q=hello',
        process_item: { method: 'POST', href: '/items/1/process' },
        docs: '/docs',
        openapi: '/openapi.json',
      },
    };
  }
}

@Controller('/items', { tags: ['items'] })
export class ItemsController {
  readonly #processDelayMs: number;

  constructor(processDelayMs = Number(process.env['PROCESS_DELAY_MS'] ?? 100)) {
    this.#processDelayMs = processDelayMs;
  }

  @Get('/{item_id}', { summary: 'Read an item', responseModel: Item })
  read(
    @Path('item_id', { type: Int, description: 'The item to read' }) itemId: number,
    @Query('q', { optional: true, description: 'Echoed back in the response', examples: ['hello'] }) q?: string,
  ) {
    // `q: undefined` would vanish from the JSON; FastAPI sends null.
    return { item_id: itemId, q: q ?? null, processed: processedItems.has(itemId) };
  }

  @Post('/{item_id}/process', {
    statusCode: 202,
    summary: 'Process an item in the background',
    description: 'Answers 202 at once; the item is marked processed after the response, by a background task.',
  })
  process(@Path('item_id', { type: Int }) itemId: number, tasks: BackgroundTasks) {
    tasks.addTask(processItem, itemId, this.#processDelayMs);
    return { item_id: itemId, status: 'processing' };
  }
}

export interface MainOptions extends AppOptions {
  /** How long processing an item takes. Default: PROCESS_DELAY_MS, else 100. */
  processDelayMs?: number;
}

/** The items app, with its OpenAPI document at /openapi.json, Swagger UI at /docs and ReDoc at /redoc. */
export function createApp(options: MainOptions = {}): App {
  const { processDelayMs, ...appOptions } = options;
  const app = new App(appOptions).include(HomeController).include(new ItemsController(processDelayMs));
  return serveDocs(app, {
    title: 'fastts main example',
    version: '0.1.0',
    description: 'A small items API whose processing runs as a background task after the response.',
  });
}
