import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A site on disk: `public/` to serve, a secret beside it, and a symlink from one to the other. */
export async function makeSite(): Promise<{ dir: string; publicDir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fastts-static-'));
  const publicDir = join(dir, 'public');
  await mkdir(join(publicDir, 'docs'), { recursive: true });
  await mkdir(join(publicDir, '.git'));
  await writeFile(join(publicDir, 'digits.txt'), '0123456789');
  await writeFile(join(publicDir, 'index.html'), '<h1>home</h1>');
  await writeFile(join(publicDir, 'app.js'), 'console.log(1)');
  await writeFile(join(publicDir, 'docs', 'index.html'), '<h1>docs</h1>');
  await writeFile(join(publicDir, '.env'), 'SECRET=dotenv');
  await writeFile(join(publicDir, '.git', 'config'), 'SECRET=git');
  await writeFile(join(dir, 'secret.txt'), 'SECRET=outside');
  await symlink(join(dir, 'secret.txt'), join(publicDir, 'link.txt'));
  return { dir, publicDir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function listen(handler: RequestListener): Promise<{ server: Server; url: string; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, port };
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Sends `target` exactly as written (fetch and undici normalise `..` away),
 * and returns the status line's code and the whole answer.
 */
export function rawGet(port: number, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer for ${target}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), text });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

/**
 * A GET through node:http. fetch is not used for conditional requests: it adds
 * `cache-control: no-cache` to them (Fetch standard, HTTP-network-or-cache fetch),
 * which tells a server not to answer 304.
 */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
