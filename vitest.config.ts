import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// One project per tier; `npm test` runs them all (test/run-all.mjs).
export default defineConfig({
  plugins: [svelte()],
  define: { __PORTWISE_VERSION__: JSON.stringify(version) },
  test: {
    projects: [
      {
        extends: true,
        // Component tests (test/unit/components, `@vitest-environment jsdom`) need Svelte's browser build:
        // this adds the `browser` resolve condition (node_modules stay external for the Node tests, so
        // they are unaffected). Cleanup is registered by the tests' own harness, not a setup file
        // loaded into all 60-odd Node test files.
        plugins: [svelteTesting({ autoCleanup: false, noExternal: false })],
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/fuzz/**/*.test.ts'], environment: 'node', hookTimeout: 30_000 },
      },
      {
        extends: true,
        test: { name: 'fuzz', include: ['test/fuzz/**/*.test.ts'], environment: 'node', testTimeout: 30 * 60_000 },
      },
      {
        extends: true,
        test: { name: 'bench', include: ['test/bench/**/*.bench.test.ts'], environment: 'node', testTimeout: 10 * 60_000, fileParallelism: false },
      },
      {
        extends: true,
        test: { name: 'lab', include: ['test/lab/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
      },
    ],
  },
});
