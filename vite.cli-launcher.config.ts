import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

// Built after the engine (vite.cli.config.ts): the launcher carries the engine's content hash,
// which names the code caches made from it.
const engine = readFileSync(resolve(root, 'out/cli/engine.cjs'));
const engineId = createHash('sha256').update(engine).digest('hex').slice(0, 16);

// The `portwise` executable: a small CommonJS file (an ES module entry costs Node more to start).
export default defineConfig({
  define: { __PORTWISE_ENGINE_ID__: JSON.stringify(engineId) },
  build: {
    ssr: resolve(root, 'shared/node/cli/launcher.ts'),
    outDir: resolve(root, 'out/cli'),
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rolldownOptions: {
      output: { format: 'cjs', entryFileNames: 'portwise.cjs', banner: '#!/usr/bin/env node' },
    },
  },
});
