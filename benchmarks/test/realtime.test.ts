import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBenchmarks } from './build.js';
import type { RunningServer } from '../src/harness/processes.js';
import { checkEcho, checkStream } from '../src/realtime/checks.js';
import { clientFrame, openEventStream, openWebSocket } from '../src/realtime/wire.js';
import { echoAim, renderRealtimeMarkdown, summariseEcho, summariseMemory, type RealtimeReport } from '../src/realtime/report.js';
import { echoOnce, memoryOnce, portOf, startClient, startRealtimeServer, type EchoRun, type MemoryRun } from '../src/realtime/runs.js';
import { echoTargets, sseTargets } from '../src/realtime/targets.js';

// `npm run realtime` in miniature: every echo server echoes (to the `ws`
// client and to the benchmark's raw-socket client), every SSE server streams
// and holds its stream open, and the runner's two measures run end to end.
// No numbers are asserted.

beforeAll(buildBenchmarks, 250_000);

describe('realtime servers', () => {
  const servers = new Map<string, RunningServer>();
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  });
  const serverFor = async (file: string) => {
    let server = servers.get(file);
    if (!server) {
      server = await startRealtimeServer({ id: 'test', label: 'test', file }, { cpu: undefined });
      servers.set(file, server);
    }
    return server;
  };

  for (const target of echoTargets) {
    it(`${target.id} echoes text messages`, async () => {
      const server = await serverFor(target.file);
      expect(await checkEcho(portOf(server))).toBeUndefined();
      // The load client: each echo sends the next message, three in all.
      let echoes = 0;
      const frame = clientFrame(0x1, Buffer.from('hello'));
      const conn = await openWebSocket(portOf(server), '/echo', () => {
        if (++echoes < 3) conn.socket.write(frame);
      });
      conn.socket.write(frame);
      for (let i = 0; i < 100 && echoes < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(echoes).toBe(3);
      conn.close();
    }, 60_000);
  }

  for (const target of sseTargets) {
    it(`${target.id} streams an event and holds the stream open`, async () => {
      const server = await serverFor(target.file);
      expect(await checkStream(portOf(server))).toBeUndefined();
      const socket = await openEventStream(portOf(server), '/events');
      expect(socket.destroyed).toBe(false);
      socket.destroy();
    }, 60_000);
  }
});

describe('the runner', () => {
  it('measures an echo run and a memory run of each kind, and reports them', async () => {
    const client = await startClient(undefined);
    const echoRuns: EchoRun[] = [];
    const memoryRuns: MemoryRun[] = [];
    try {
      for (const target of echoTargets) {
        const server = await startRealtimeServer(target, { cpu: undefined });
        try {
          echoRuns.push(await echoOnce(client, server, target, 1, { connections: 10, warmupSeconds: 0, seconds: 1, busyRetries: 0, quietMs: 0 }));
        } finally {
          await server.stop();
        }
      }
      memoryRuns.push(await memoryOnce(client, 'ws', echoTargets[1]!, 1, 200, { cpu: undefined }, 0));
      memoryRuns.push(await memoryOnce(client, 'sse', sseTargets[1]!, 1, 200, { cpu: undefined }, 0));
    } finally {
      await client.stop();
    }
    for (const run of echoRuns) {
      expect(run.error).toBeUndefined();
      expect(run.messages).toBeGreaterThan(0);
    }
    for (const run of memoryRuns) {
      expect(run.error).toBeUndefined();
      expect(run.opened).toBe(200);
      // Holding 200 connections grows the heap: a reading taken before they opened, or without gc(), would not be this.
      expect(run.heapAfter).toBeGreaterThan(run.heapBefore!);
    }
    const echo = summariseEcho(echoRuns);
    const report: RealtimeReport = {
      generatedAt: new Date().toISOString(),
      command: 'test',
      commit: 'test',
      machine: { cpu: 'test', cores: 2, node: process.version, kernel: 'test' },
      pinned: false,
      options: { connections: 10, seconds: 1, warmupSeconds: 0, rounds: 1, idle: 200, idleRequested: 200, openFileLimit: 1024, memoryRounds: 1 },
      elapsedSeconds: 1,
      echo,
      memory: summariseMemory(memoryRuns),
      aim: echoAim(echo),
      echoRuns,
      memoryRuns,
    };
    expect(echo.map((r) => r.target)).toEqual(['ws', 'fastts', 'fastts-listener', 'fastify']);
    expect(echo[0]!.ratioToWs).toBe(1);
    expect(report.aim).toBeDefined();
    const markdown = renderRealtimeMarkdown(report);
    expect(markdown).toContain('| WebSocket | fastts');
    expect(markdown).toContain('| SSE | fastts');
  }, 120_000);
});
