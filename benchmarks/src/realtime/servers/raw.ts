// The ceilings: a bare `ws` echo server and a bare node:http SSE server, on one
// node:http server. Each measurement opens one kind of connection only, so the
// other half costs nothing but its code.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { memorySnapshot } from './memory.js';

const server = createServer((req, res) => {
  if (req.url === '/hello') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  } else if (req.url === '/memory') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(memorySnapshot()));
  } else if (req.url === '/events') {
    // One event, then the stream stays open until the client leaves.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: "hello"\n\n');
  } else {
    res.writeHead(404);
    res.end();
  }
});

// As ws's README writes an echo server; it sends the received Buffer back as it came.
const wss = new WebSocketServer({ server, path: '/echo' });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
});

server.listen(Number(process.env['PORT'] ?? 8000), process.env['HOST'] ?? '127.0.0.1');
