// hono 4 on @hono/node-server: zod schemas through @hono/zod-validator,
// middleware for the dependency chain, node's ServerResponse for after-response work.
import { serve, type HttpBindings } from '@hono/node-server';
import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { NAME_MAX, NAME_MIN } from '../shared/item.js';
import { bigPayload } from '../shared/payload.js';
import { completed, recordTask, slowTask } from '../shared/tasks.js';

type Env = { Bindings: HttpBindings; Variables: { depValue: number } };

const big = bigPayload();
const itemSchema = z.object({
  name: z.string().min(NAME_MIN).max(NAME_MAX),
  price: z.number().positive(),
  tags: z.array(z.string()).optional(),
});
const itemParams = z.object({ id: z.string().regex(/^[+-]?\d+$/).transform(Number) });

// zValidator answers 400 by default; the scenarios (like FastAPI) say 422.
const unprocessable = (result: { success: boolean; error?: { issues: readonly unknown[] } }, c: Context) => {
  if (!result.success) return c.json({ detail: result.error?.issues }, 422);
};

const app = new Hono<Env>();

app.get('/hello', (c) => c.json({ message: 'hello' }));

app.get('/items/:id', zValidator('param', itemParams, unprocessable), (c) =>
  c.json({ item_id: c.req.valid('param').id, q: c.req.query('q') ?? null }),
);

app.post('/items', zValidator('json', itemSchema, unprocessable), (c) => c.json(c.req.valid('json'), 201));

// Background work: hono on node has no after-response API, so listen for the
// ServerResponse's `finish` (the node-server bindings expose it as `outgoing`).
app.post('/bg', (c) => {
  c.env.outgoing.once('finish', () => recordTask('bg'));
  return c.json({ ok: true });
});

app.post('/bg-slow', (c) => {
  c.env.outgoing.once('finish', () => void slowTask('bg-slow'));
  return c.json({ ok: true });
});

app.get('/bg-count', (c) => c.json({ count: completed.length }));

app.get('/big', (c) => c.json(big));

// Three nested dependencies as middleware, each building on the one before (c → b → a).
const depC = createMiddleware<Env>(async (c, next) => {
  c.set('depValue', 1);
  await next();
});
const depB = createMiddleware<Env>(async (c, next) => {
  c.set('depValue', c.get('depValue') + 1);
  await next();
});
const depA = createMiddleware<Env>(async (c, next) => {
  c.set('depValue', c.get('depValue') + 1);
  await next();
});
app.get('/deps', depC, depB, depA, (c) => c.json({ value: c.get('depValue') }));

serve({ fetch: app.fetch, port: Number(process.env['PORT'] ?? 8000), hostname: process.env['HOST'] ?? '127.0.0.1' });
