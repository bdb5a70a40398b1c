import { setTimeout as sleep } from 'node:timers/promises';
import { APIRouter, App, BackgroundTasks, Controller, Depends, Get, Int, Path, Post, Query, Request, cors, dependency, gzip, type AppOptions, type Lifespan } from '@fastts/core';
import { serveDocs } from '@fastts/openapi';
import { IsBoolean, IsInt, IsOptional, IsString } from '@fastts/core/validators';

/**
 * Which items have been processed. It stands in for what a real service opens
 * at start and closes at stop (a database pool, a client of another service):
 * the lifespan opens it, and handlers reach it through `app.state`.
 */
export class ItemStore {
  readonly #processed = new Set<number>();

  isProcessed(itemId: number): boolean {
    return this.#processed.has(itemId);
  }

  markProcessed(itemId: number): void {
    this.#processed.add(itemId);
  }

  get processedCount(): number {
    return this.#processed.size;
  }
}

declare module '@fastts/core' {
  interface AppState {
    /** Opened by the main example's lifespan. */
    items?: ItemStore;
  }
}

/** The store the lifespan opened, for handlers and dependencies. */
const itemStore = dependency([Request], (request: Request) => request.app.state.items!);

/** Stands in for slow work (resizing images, calling another service) done after the response. */
export async function processItem(items: ItemStore, itemId: number, delayMs: number): Promise<void> {
  await sleep(delayMs);
  items.markProcessed(itemId);
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

@Controller()
export class ItemsController {
  readonly #processDelayMs: number;

  constructor(processDelayMs = Number(process.env['PROCESS_DELAY_MS'] ?? 100)) {
    this.#processDelayMs = processDelayMs;
  }

  @Get('/{item_id}', { summary: 'Read an item', responseModel: Item })
  read(
    @Path('item_id', { type: Int, description: 'The item to read' }) itemId: number,
    @Depends(itemStore) items: ItemStore,
    @Query('q', { optional: true, description: 'Echoed back in the response', examples: ['hello'] }) q?: string,
  ) {
    // `q: undefined` would vanish from the JSON; FastAPI sends null.
    return { item_id: itemId, q: q ?? null, processed: items.isProcessed(itemId) };
  }

  @Post('/{item_id}/process', {
    statusCode: 202,
    summary: 'Process an item in the background',
    description: 'Answers 202 at once; the item is marked processed after the response, by a background task.',
  })
  process(@Path('item_id', { type: Int }) itemId: number, @Depends(itemStore) items: ItemStore, tasks: BackgroundTasks) {
    tasks.addTask(processItem, items, itemId, this.#processDelayMs);
    return { item_id: itemId, status: 'processing' };
  }
}

export interface MainOptions extends AppOptions {
  /** How long processing an item takes. Default: PROCESS_DELAY_MS, else 100. */
  processDelayMs?: number;
  /** Front-end origins allowed to call the API from a browser. Default: the Vite dev server's. */
  corsOrigins?: readonly string[];
}

/** Opens the item store before the server accepts connections; closes it after the drain, once the background tasks are done. */
const lifespan: Lifespan = async function* (app) {
  const items = new ItemStore();
  app.logger.info({}, 'item store opened');
  yield { items };
  app.logger.info({ processed: items.processedCount }, 'item store closed');
};

/** The items app, with its OpenAPI document at /openapi.json, Swagger UI at /docs and ReDoc at /redoc. */
export function createApp(options: MainOptions = {}): App {
  const { processDelayMs, corsOrigins = ['http://localhost:5173'], ...appOptions } = options;
  const items = new APIRouter({ prefix: '/items', tags: ['items'] }).include(new ItemsController(processDelayMs));
  const app = new App({ lifespan, ...appOptions }).include(HomeController).include(items);
  // A browser front-end on another origin may call the API, with its cookies.
  app.use(cors({ allowOrigins: corsOrigins, allowCredentials: true, allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'] }));
  // Large answers (the OpenAPI document, the docs' scripts) go out compressed.
  app.use(gzip());
  return serveDocs(app, {
    title: 'fastts main example',
    version: '0.1.0',
    description: 'A small items API whose processing runs as a background task after the response.',
  });
}
