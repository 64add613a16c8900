import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

const root = import.meta.dirname;

// The headless `portwise` command: the engine alone, for plain Node (no Electron).
export default defineConfig({
  define: { __PORTWISE_VERSION__: JSON.stringify(version) },
  // zod is bundled in: loaded from node_modules it is some hundred ES modules, each resolved and
  // read on its own at every start (about 130 ms here, a third of a local verdict).
  ssr: { noExternal: ['zod'] },
  build: {
    ssr: resolve(root, 'shared/node/cli/bin.ts'),
    outDir: resolve(root, 'out/cli'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rolldownOptions: {
      output: { entryFileNames: 'portwise.js', banner: '#!/usr/bin/env node' },
    },
  },
});
