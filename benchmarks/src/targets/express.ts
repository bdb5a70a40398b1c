// express 5: express.json() for the body, zod for validation, middleware for
// the dependency chain, `res.on('finish')` for after-response work.
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { NAME_MAX, NAME_MIN } from '../shared/item.js';
import { bigPayload } from '../shared/payload.js';
import { completed, recordTask, slowTask } from '../shared/tasks.js';

const big = bigPayload();
const itemSchema = z.object({
  name: z.string().min(NAME_MIN).max(NAME_MAX),
  price: z.number().positive(),
  tags: z.array(z.string()).optional(),
});
const itemId = z.string().regex(/^[+-]?\d+$/).transform(Number);

const app = express();
app.disable('x-powered-by');
app.disable('etag');

app.get('/hello', (_req, res) => {
  res.json({ message: 'hello' });
});

app.get('/items/:id', (req, res) => {
  const id = itemId.safeParse(req.params['id']);
  if (!id.success) {
    res.status(422).json({ detail: id.error.issues });
    return;
  }
  const q = req.query['q'];
  res.json({ item_id: id.data, q: typeof q === 'string' ? q : null });
});

app.post('/items', express.json(), (req, res) => {
  const item = itemSchema.safeParse(req.body);
  if (!item.success) {
    res.status(422).json({ detail: item.error.issues });
    return;
  }
  res.status(201).json(item.data);
});

app.post('/bg', (_req, res) => {
  res.once('finish', () => recordTask('bg'));
  res.json({ ok: true });
});

app.post('/bg-slow', (_req, res) => {
  res.once('finish', () => void slowTask('bg-slow'));
  res.json({ ok: true });
});

app.get('/bg-count', (_req, res) => {
  res.json({ count: completed.length });
});

app.get('/big', (_req, res) => {
  res.json(big);
});

// Three nested dependencies as middleware, each building on the one before (c → b → a).
const depC = (_req: Request, res: Response, next: NextFunction) => {
  res.locals['depValue'] = 1;
  next();
};
const depB = (_req: Request, res: Response, next: NextFunction) => {
  res.locals['depValue'] += 1;
  next();
};
const depA = (_req: Request, res: Response, next: NextFunction) => {
  res.locals['depValue'] += 1;
  next();
};
app.get('/deps', depC, depB, depA, (_req, res) => {
  res.json({ value: res.locals['depValue'] });
});

app.listen(Number(process.env['PORT'] ?? 8000), process.env['HOST'] ?? '127.0.0.1');
