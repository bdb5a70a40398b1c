// fastify 5 as its docs recommend: JSON schemas validate the input (ajv) and
// serialise the output (fast-json-stringify); hooks do the rest.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { UNAUTHORIZED, checkBearer } from '../shared/auth.js';
import { NAME_MAX, NAME_MIN, type ItemIn } from '../shared/item.js';
import { FRONT_ORIGIN, GZIP_MINIMUM } from '../shared/middleware.js';
import { bigPayload } from '../shared/payload.js';
import { completed, recordTask, slowTask } from '../shared/tasks.js';

const big = bigPayload();

const ok = { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } as const;
const itemSchema = {
  type: 'object',
  required: ['name', 'price'],
  // With fastify's default `removeAdditional: true`, keys outside the model are dropped.
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: NAME_MIN, maxLength: NAME_MAX },
    price: { type: 'number', exclusiveMinimum: 0 },
    tags: { type: 'array', items: { type: 'string' } },
  },
} as const;

declare module 'fastify' {
  interface FastifyRequest {
    depValue: number;
  }
}

const app = Fastify({ logger: false });

// Target fastify-mw: CORS for a front-end origin with credentials, and
// compression with fastts's gzip() settings (gzip only, the same minimum), as
// plugins registered before the routes, so they wrap every one. Imported only
// here, so the plain fastify server does not load them.
if (process.env['BENCH_MIDDLEWARE']) {
  await app.register((await import('@fastify/cors')).default, { origin: [FRONT_ORIGIN], credentials: true });
  await app.register((await import('@fastify/compress')).default, { encodings: ['gzip'], threshold: GZIP_MINIMUM });
}

// fastify answers schema failures with 400; the scenarios (like FastAPI) say 422.
app.setErrorHandler((error: { validation?: unknown; statusCode?: number }, _request, reply) => {
  if (error.validation) return reply.code(422).send({ detail: error.validation });
  return reply.send(error);
});

app.get('/hello', { schema: { response: { 200: { type: 'object', properties: { message: { type: 'string' } } } } } }, async () => ({
  message: 'hello',
}));

app.get<{ Params: { id: number }; Querystring: { q?: string } }>(
  '/items/:id',
  {
    schema: {
      params: { type: 'object', properties: { id: { type: 'integer' } } },
      querystring: { type: 'object', properties: { q: { type: 'string' } } },
      response: { 200: { type: 'object', properties: { item_id: { type: 'integer' }, q: { type: ['string', 'null'] } } } },
    },
  },
  async (request) => ({ item_id: request.params.id, q: request.query.q ?? null }),
);

app.post<{ Body: ItemIn }>('/items', { schema: { body: itemSchema, response: { 201: itemSchema } } }, async (request, reply) => {
  reply.code(201);
  return request.body;
});

// POST /items behind a bearer token, checked in a route-level onRequest hook (a
// hand-written one: @fastify/auth only combines such functions). It runs before
// the body is parsed, so a refused request costs no parsing. The callback form,
// as /bg's hook: an async hook would add a promise per request.
function requireToken(request: FastifyRequest, reply: FastifyReply, done: () => void) {
  const auth = checkBearer(request.headers.authorization);
  if (auth === 'ok') return done();
  reply.code(401).header('www-authenticate', 'Bearer').send(UNAUTHORIZED[auth]);
}

app.post<{ Body: ItemIn }>(
  '/items-auth',
  { onRequest: requireToken, schema: { body: itemSchema, response: { 201: itemSchema } } },
  async (request, reply) => {
    reply.code(201);
    return request.body;
  },
);

// Background work: a route-level onResponse hook runs once the response has been sent.
app.post(
  '/bg',
  {
    schema: { response: ok },
    onResponse(_request, _reply, done) {
      recordTask('bg');
      done();
    },
  },
  async () => ({ ok: true }),
);

app.post('/bg-slow', { schema: { response: ok }, onResponse: async () => slowTask('bg-slow') }, async () => ({ ok: true }));

app.get('/bg-count', { schema: { response: { 200: { type: 'object', properties: { count: { type: 'integer' } } } } } }, async () => ({
  count: completed.length,
}));

app.get(
  '/big',
  {
    schema: {
      response: {
        200: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              name: { type: 'string' },
              price: { type: 'number' },
              tags: { type: 'array', items: { type: 'string' } },
              description: { type: 'string' },
            },
          },
        },
      },
    },
  },
  async () => big,
);

// Three nested dependencies as preHandler hooks, each building on the one before (c → b → a).
app.decorateRequest('depValue', 0);
const depC = async (request: FastifyRequest) => {
  request.depValue = 1;
};
const depB = async (request: FastifyRequest) => {
  request.depValue += 1;
};
const depA = async (request: FastifyRequest) => {
  request.depValue += 1;
};
app.get(
  '/deps',
  { preHandler: [depC, depB, depA], schema: { response: { 200: { type: 'object', properties: { value: { type: 'integer' } } } } } },
  async (request) => ({ value: request.depValue }),
);

await app.listen({ port: Number(process.env['PORT'] ?? 8000), host: process.env['HOST'] ?? '127.0.0.1' });
