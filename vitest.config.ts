import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// vitest's default esbuild transform drops decorator metadata (evanw/esbuild#257),
// and fastts reads `design:paramtypes`: SWC compiles the tests instead.
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
    alias: {
      '@fastts/core': src('core'),
      '@fastts/testing': src('testing'),
      '@fastts/openapi': src('openapi'),
      '@fastts/tasks': src('tasks'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'],
    testTimeout: 20_000,
    reporters: process.env['CI'] ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/results.json' },
  },
});
