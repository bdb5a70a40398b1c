// @fastify/websocket's echo, as its README writes one: a route with
// `websocket: true` whose handler gets the `ws` socket.
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { memorySnapshot } from './memory.js';

const app = Fastify({ logger: false });
await app.register(websocket);
app.get('/hello', async () => 'hello');
app.get('/memory', async () => memorySnapshot());
app.get('/echo', { websocket: true }, (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
});
await app.listen({ port: Number(process.env['PORT'] ?? 8000), host: process.env['HOST'] ?? '127.0.0.1' });
