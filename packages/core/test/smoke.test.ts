import { describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Get, Int, Path, Query } from '@fastts/core';

@Controller('/items')
class Items {
  @Get('/{item_id}')
  read(@Path('item_id', { type: Int }) itemId: number, tasks: BackgroundTasks, @Query('q', { optional: true }) q?: string) {
    tasks.addTask(() => {});
    return { item_id: itemId, q: q ?? null };
  }
}

describe('smoke', () => {
  it('serves', async () => {
    const app = new App({ logger: false }).include(Items);
    const { port } = await app.listen(0);
    const res = await fetch(`http://127.0.0.1:${port}/items/3?q=x`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ item_id: 3, q: 'x' });
    const bad = await fetch(`http://127.0.0.1:${port}/items/x`);
    expect(bad.status).toBe(422);
    console.log(await bad.text());
    await app.close();
  });
});
