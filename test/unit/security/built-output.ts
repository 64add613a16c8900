import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the tests of the BUILT app find it. `npm test` builds before the unit tier; run alone, these
 * tests fail (they never skip) until `npm run build` has made `out/`.
 */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const outDir = join(repoRoot, 'out');
export const rendererDir = join(outDir, 'renderer');
export const preloadFile = join(outDir, 'preload', 'index.cjs');

export function requireBuilt(path: string): string {
  if (!existsSync(path)) throw new Error(`${relative(repoRoot, path)} is missing: run \`npm run build\` first (npm test does).`);
  return path;
}

/** Every file under `dir`, as paths relative to it with `/` separators. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}
