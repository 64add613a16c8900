// Layer rules (STYLE.md "Layers by runtime"): each folder may import only what its runtime has.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import svelteParser from 'svelte-eslint-parser';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Bare builtin names go in `paths` (exact match): as gitignore-style patterns, 'net' or 'events'
// would also match our own folders such as shared/common/net.
const nodeBuiltins = ['node:*'];
const nodeBuiltinPaths = builtinModules.filter((m) => !m.startsWith('_'));

const layer = (message, groups, paths = []) => ({
  'no-restricted-imports': ['error', { paths: paths.map((name) => ({ name, message })), patterns: groups.map((group) => ({ group, message })) }],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['shared/common/**'],
    rules: layer('shared/common is pure: it runs in the renderer too (only zod and shared/common).', [
      nodeBuiltins, ['electron', 'electron/*'], ['ssh2', 'ssh2/*'], ['**/shared/node/**', '**/node/**'], ['**/electron/**'], ['**/renderer/**'],
    ], nodeBuiltinPaths),
  },
  {
    files: ['shared/node/**'],
    rules: layer('shared/node is the engine: Node only, never Electron or the renderer.', [
      ['electron', 'electron/*'], ['**/electron/**'], ['**/renderer/**'],
    ]),
  },
  {
    files: ['electron/main/**'],
    rules: layer('electron/main must not import the renderer.', [['**/renderer/**']]),
  },
  {
    files: ['electron/preload/**'],
    rules: layer('The preload may use electron and the IPC contract names only.', [
      nodeBuiltins, ['ssh2', 'ssh2/*', 'zod', 'zod/*'], ['**/shared/node/**'], ['**/renderer/**'], ['**/electron/main/**'],
    ], nodeBuiltinPaths),
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: layer('The renderer is a web page: no Node, no Electron, no SSH, no engine; talk to main through window.portwise.', [
      nodeBuiltins, ['electron', 'electron/*'], ['ssh2', 'ssh2/*'], ['**/shared/node', '**/shared/node/**'], ['**/electron/**'], ['zustand/*', '!zustand/vanilla'],
    ], ['zustand', ...nodeBuiltinPaths]),
  },
);
