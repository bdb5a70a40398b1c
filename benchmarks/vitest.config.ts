import { defineConfig } from 'vitest/config';

// For `npm test -w benchmarks` (or `npx vitest run --root benchmarks`): the root
// config does not include benchmarks/test yet. The test needs no decorator
// transform: it runs the targets compiled by tsc in separate processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 150_000,
  },
});
