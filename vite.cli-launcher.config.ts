import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

// The `portwise` executable: a small CommonJS file (an ES module entry costs Node more to start)
// that loads out/cli/engine.cjs (vite.cli.config.ts). Built first: the engine's build leaves it be.
export default defineConfig({
  build: {
    ssr: resolve(root, 'shared/node/cli/launcher.ts'),
    outDir: resolve(root, 'out/cli'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rolldownOptions: {
      output: { format: 'cjs', entryFileNames: 'portwise.cjs', banner: '#!/usr/bin/env node' },
    },
  },
});
