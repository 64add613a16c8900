import { dirname, relative, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

const root = import.meta.dirname;

/**
 * A native addon cannot be bundled: its `require` is kept, as a path inside node_modules, which
 * resolves from out/cli as from the package (ssh2's optional crypto binding).
 */
const nativeAddonsStayInNodeModules: Plugin = {
  name: 'native-addons-stay-in-node-modules',
  enforce: 'pre',
  resolveId(id, importer) {
    if (!id.endsWith('.node') || !importer) return null;
    return { id: relative(resolve(root, 'node_modules'), resolve(dirname(importer), id)).split('\\').join('/'), external: true };
  },
};

// The headless `portwise` command's engine: for plain Node (no Electron), one CommonJS file the
// launcher (vite.cli-launcher.config.ts) compiles with V8's code cache; `npm run build:cli` builds
// both. Everything it runs is in it, ssh2 and zod too: a package loaded from node_modules is
// compiled again at every start.
export default defineConfig({
  define: { __PORTWISE_VERSION__: JSON.stringify(version) },
  ssr: { noExternal: ['zod', 'ssh2', 'asn1', 'bcrypt-pbkdf', 'tweetnacl', 'safer-buffer'] },
  plugins: [nativeAddonsStayInNodeModules],
  build: {
    ssr: resolve(root, 'shared/node/cli/engine.ts'),
    outDir: resolve(root, 'out/cli'),
    // The launcher is built first, into the same folder, and emptied it (vite.cli-launcher.config.ts).
    emptyOutDir: false,
    target: 'node20',
    // Names are kept (stack traces stay readable); the layout goes: a smaller file is read faster.
    minify: false,
    rolldownOptions: {
      // ssh2's optional CPU probe has a native part of its own; ssh2 does without it.
      external: ['cpu-features'],
      output: {
        format: 'cjs',
        entryFileNames: 'engine.cjs',
        // Node's CommonJS wrapper is in the file, so the launcher (code-cache.ts) compiles the text
        // as it is read: adding the wrapper at run time would copy all of it once more.
        postBanner: '(function (exports, require, module, __filename, __dirname) {',
        postFooter: '\n})',
        inlineDynamicImports: true,
        charset: 'ascii',
        minify: { compress: false, mangle: false, codegen: { removeWhitespace: true } },
      },
    },
  },
});
