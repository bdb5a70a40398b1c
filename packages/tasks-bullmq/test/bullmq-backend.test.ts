import { afterAll, beforeAll, describe } from 'vitest';
import { BullMQBackend } from '@fastts/tasks-bullmq';
import { backendSuite } from '../../tasks/test/backend-suite.js';
import { redisSuite, startRedis, type RunningRedis } from '../../../test/redis.js';

const suite = redisSuite('BullMQBackend on redis-server');
let redis: RunningRedis;
let tests = 0;

describe.runIf(suite.run)(suite.title, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  // One Redis for the file, a prefix per test: nothing one test leaves is seen by the next.
  backendSuite('bullmq', ({ random }) => new BullMQBackend({ connection: { host: '127.0.0.1', port: redis.port }, prefix: `suite${++tests}`, random }));
});
