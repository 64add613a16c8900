import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

const root = import.meta.dirname;

// The headless `portwise` command: the engine alone, for plain Node (no Electron).
export default defineConfig({
  define: { __PORTWISE_VERSION__: JSON.stringify(version) },
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
