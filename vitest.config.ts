import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

// fastts reads `design:paramtypes`. SWC compiles the tests: its decorator metadata is checked
// against tsc's (esbuild, vitest's transform before Vite 8, drops it: evanw/esbuild#257).
export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      },
    }),
  ],
  resolve: {
    // Tests run against the packages' sources: no build step first.
    alias: [
      { find: /^@fastts\/core$/, replacement: src('core') },
      { find: /^@fastts\/core\/validators$/, replacement: src('core', 'validators') },
      { find: /^@fastts\/core\/transformers$/, replacement: src('core', 'transformers') },
      { find: /^@fastts\/core\/extend$/, replacement: src('core', 'extend') },
      { find: /^@fastts\/core\/security$/, replacement: src('core', 'security/index') },
      { find: /^@fastts\/testing$/, replacement: src('testing') },
      { find: /^@fastts\/openapi$/, replacement: src('openapi') },
      { find: /^@fastts\/tasks$/, replacement: src('tasks') },
      { find: /^@fastts\/tasks-sqlite$/, replacement: src('tasks-sqlite') },
      { find: /^@fastts\/tasks-bullmq$/, replacement: src('tasks-bullmq') },
      { find: /^@fastts\/settings$/, replacement: src('settings') },
      { find: /^@fastts\/static$/, replacement: src('static') },
    ],
  },
  test: {
    globalSetup: ['test/build-once.ts'],
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts', 'test/pack/*.test.ts'],
    testTimeout: 20_000,
    reporters: process.env['CI'] ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/results.json' },
  },
});
