// fastts, from the built @fastts/core: a decorated controller, a class-validator
// model, BackgroundTasks, and a Depends chain declared with dependency().
import { App, BackgroundTasks, Body, Controller, Depends, Get, HTTPException, Int, Path, Post, Query, cors, dependency, gzip, serve } from '@fastts/core';
import { HTTPBearer, secretMatcher } from '@fastts/core/security';
import { IsArray, IsInt, IsNumber, IsOptional, IsPositive, IsString, Length } from '@fastts/core/validators';
import { BENCH_TOKEN } from '../shared/auth.js';
import { NAME_MAX, NAME_MIN } from '../shared/item.js';
import { FRONT_ORIGIN } from '../shared/middleware.js';
import { bigPayload } from '../shared/payload.js';
import { completed, recordTask, slowTask } from '../shared/tasks.js';

class Item {
  @IsString()
  @Length(NAME_MIN, NAME_MAX)
  name!: string;

  @IsNumber()
  @IsPositive()
  price!: number;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];
}

// The element of GET /big, as a response model (FastAPI's response_model=list[BigItem]).
class BigItem {
  @IsInt()
  id!: number;

  @IsString()
  name!: string;

  @IsNumber()
  price!: number;

  @IsArray()
  @IsString({ each: true })
  tags!: string[];

  @IsString()
  description!: string;
}

// Three nested dependencies, each building on the one before (c → b → a).
const depC = dependency([], () => 1);
const depB = dependency([Depends(depC)], (c) => c + 1);
const depA = dependency([Depends(depB)], (b) => b + 1);

// POST /items-auth's check, as docs/security.md writes it: HTTPBearer reads the
// token (401 `Not authenticated` without one), secretMatcher compares it with
// the stored token's digest, computed once.
const bearer = HTTPBearer();
const isBenchToken = secretMatcher(BENCH_TOKEN);
const requireToken = dependency([Depends(bearer)], (credentials) => {
  if (!isBenchToken(credentials.credentials)) throw new HTTPException(401, 'Invalid token', { 'WWW-Authenticate': 'Bearer' });
});

const big = bigPayload();

@Controller()
class BenchController {
  @Get('/hello')
  hello() {
    return { message: 'hello' };
  }

  @Get('/items/{item_id}')
  readItem(@Path('item_id', { type: Int }) itemId: number, @Query('q', { optional: true }) q?: string) {
    return { item_id: itemId, q: q ?? null };
  }

  @Post('/items', { statusCode: 201, responseModel: Item })
  createItem(@Body() item: Item) {
    return item;
  }

  @Post('/items-auth', { statusCode: 201, responseModel: Item, dependencies: [Depends(requireToken)] })
  createItemAuth(@Body() item: Item) {
    return item;
  }

  @Post('/bg')
  bg(tasks: BackgroundTasks) {
    tasks.addTask(recordTask, 'bg');
    return { ok: true };
  }

  @Post('/bg-slow')
  bgSlow(tasks: BackgroundTasks) {
    tasks.addTask(slowTask, 'bg-slow');
    return { ok: true };
  }

  @Get('/bg-count')
  bgCount() {
    return { count: completed.length };
  }

  @Get('/big', { responseModel: [BigItem] })
  big() {
    return big;
  }

  @Get('/deps')
  deps(@Depends(depA) value: number) {
    return { value };
  }
}

const app = new App().include(BenchController);
// Target fastts-mw: CORS for a front-end origin with credentials, then GZip with
// its default minimum (500 bytes), as FastAPI's docs register them.
if (process.env['BENCH_MIDDLEWARE']) app.use(cors({ allowOrigins: [FRONT_ORIGIN], allowCredentials: true })).use(gzip());
// POST /bg-durable (a durable task on SQLite) only in the server started as target
// fastts-durable: better-sqlite3 and @fastts/tasks would add to every other scenario's peak RSS.
if (process.env['BENCH_DURABLE_TASKS']) (await import('./fastts-durable.js')).includeDurable(app);
await serve(app);
