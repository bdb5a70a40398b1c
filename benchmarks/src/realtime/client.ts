// The load process of `npm run realtime`, driven over IPC by the runner and
// pinned to the load core: echo runs, and idle connections held open for the
// memory measure. It exits when the runner goes away.
import { echoRun } from './echo-load.js';
import { holdConnections, type ConnectionKind, type Held } from './hold.js';

export type ClientCommand =
  | { cmd: 'echo'; port: number; serverPid: number; connections: number; warmupSeconds: number; seconds: number }
  | { cmd: 'hold'; kind: ConnectionKind; port: number; count: number }
  | { cmd: 'release' };

let held: Held | undefined;

async function handle(message: ClientCommand): Promise<unknown> {
  switch (message.cmd) {
    case 'echo':
      return echoRun(message.port, message.serverPid, message.connections, message.warmupSeconds, message.seconds);
    case 'hold': {
      held = await holdConnections(message.kind, message.port, message.count);
      const { opened, failed, firstError, seconds } = held;
      return { opened, failed, firstError, seconds };
    }
    case 'release':
      await held?.release();
      held = undefined;
      return {};
  }
}

process.on('message', (message: ClientCommand) => {
  handle(message).then(
    (result) => process.send!({ ok: true, result }),
    (err: Error) => process.send!({ ok: false, error: err.stack ?? err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ok: true, result: 'ready' });
