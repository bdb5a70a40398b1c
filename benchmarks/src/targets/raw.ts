// raw node:http: hand-written routing, parsing and checks. The ceiling the
// frameworks are measured against: it does the same work, and nothing more.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { UNAUTHORIZED, checkBearer } from '../shared/auth.js';
import { NAME_MAX, NAME_MIN, type ItemIn } from '../shared/item.js';
import { bigPayload } from '../shared/payload.js';
import { completed, recordTask, slowTask } from '../shared/tasks.js';

const big = bigPayload();
const INT = /^[+-]?\d+$/;
const BODY_LIMIT = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function unprocessable(res: ServerResponse, loc: string[], msg: string): void {
  send(res, 422, { detail: [{ loc, msg }] });
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

function validateItem(body: unknown): ItemIn | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be an object';
  const { name, price, tags } = body as Record<string, unknown>;
  if (typeof name !== 'string' || name.length < NAME_MIN || name.length > NAME_MAX) return 'name must be a string of 1 to 50 characters';
  if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) return 'price must be a number greater than 0';
  if (tags === undefined) return { name, price };
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return 'tags must be a list of strings';
  return { name, price, tags };
}

async function createItem(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!req.headers['content-type']?.startsWith('application/json')) return unprocessable(res, ['body'], 'expected application/json');
  let body: unknown;
  try {
    body = await readJson(req);
  } catch {
    return unprocessable(res, ['body'], 'invalid JSON');
  }
  const item = validateItem(body);
  if (typeof item === 'string') return unprocessable(res, ['body'], item);
  send(res, 201, item);
}

// POST /items behind a bearer token: checked before the body is read, as fastify's onRequest hook does.
function createItemAuth(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
  const auth = checkBearer(req.headers.authorization);
  if (auth === 'ok') return createItem(req, res);
  res.setHeader('www-authenticate', 'Bearer');
  send(res, 401, UNAUTHORIZED[auth]);
}

function readItem(res: ServerResponse, id: string, search: string): void {
  if (!INT.test(id)) return unprocessable(res, ['path', 'item_id'], 'item_id must be an integer');
  const q = search ? new URLSearchParams(search).get('q') : null;
  send(res, 200, { item_id: Number(id), q });
}

// Three nested "dependencies", as plain calls: c → b → a.
const depC = () => 1;
const depB = () => depC() + 1;
const depA = () => depB() + 1;

function route(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
  const url = req.url ?? '/';
  const qmark = url.indexOf('?');
  const path = qmark === -1 ? url : url.slice(0, qmark);
  const search = qmark === -1 ? '' : url.slice(qmark + 1);
  const method = req.method;
  if (method === 'GET') {
    if (path === '/hello') return send(res, 200, { message: 'hello' });
    if (path.startsWith('/items/') && path.indexOf('/', 7) === -1) return readItem(res, path.slice(7), search);
    if (path === '/big') return send(res, 200, big);
    if (path === '/deps') return send(res, 200, { value: depA() });
    if (path === '/bg-count') return send(res, 200, { count: completed.length });
  } else if (method === 'POST') {
    if (path === '/items') return createItem(req, res);
    if (path === '/bg') {
      res.once('finish', () => recordTask('bg'));
      return send(res, 200, { ok: true });
    }
    if (path === '/bg-slow') {
      res.once('finish', () => void slowTask('bg-slow'));
      return send(res, 200, { ok: true });
    }
    if (path === '/items-auth') return createItemAuth(req, res);
  }
  send(res, 404, { detail: 'Not Found' });
}

createServer((req, res) => {
  const done = route(req, res);
  if (done) done.catch(() => res.headersSent || send(res, 500, { detail: 'Internal Server Error' }));
}).listen(Number(process.env['PORT'] ?? 8000), process.env['HOST'] ?? '127.0.0.1');
