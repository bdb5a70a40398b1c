// Before anything is measured (and in the tests): each echo server echoes, and
// each SSE server streams, so no target is fast by doing less.
import WebSocket from 'ws';

const TEXT = 'check: échos ✓';

/** Resolves with a problem, or undefined when `ws://…/echo` echoes a text message, twice, in order. */
export async function checkEcho(port: number): Promise<string | undefined> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
  try {
    const got: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`closed with ${code} after ${got.length} messages`)));
      ws.on('message', (data, isBinary) => {
        got.push(isBinary ? '(binary)' : (data as Buffer).toString('utf8'));
        if (got.length === 2) resolve();
      });
      ws.once('open', () => {
        ws.send(TEXT);
        ws.send(`${TEXT} 2`);
      });
    });
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('no echo within 5 s')), 5000))]);
    if (got[0] !== TEXT || got[1] !== `${TEXT} 2`) return `echoed ${JSON.stringify(got)}`;
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    ws.terminate();
  }
}

/** Resolves with a problem, or undefined when `GET /events` is an event stream whose first event is `data: "hello"`, then stays open. */
export async function checkStream(port: number): Promise<string | undefined> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5000);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/events`, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
    if (res.status !== 200) return `status ${res.status}`;
    if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return `content-type ${res.headers.get('content-type')}`;
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) return `the stream ended after ${JSON.stringify(text)}`;
      text += Buffer.from(value).toString('utf8');
    }
    if (text !== 'data: "hello"\n\n') return `first event ${JSON.stringify(text)}`;
    // Held open: nothing more (and no end) for a while.
    const next = await Promise.race([reader.read(), new Promise((resolve) => setTimeout(() => resolve('open'), 300))]);
    return next === 'open' ? undefined : `after the first event: ${JSON.stringify(next)}`;
  } catch (err) {
    return (err as Error).message;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
