import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Real command output under test/fixtures, read once: the fuzz generators mutate it so they get past each parser's first check. */

const ROOT = fileURLToPath(new URL('../fixtures/', import.meta.url));

export const fixture = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Every file under `dir` (recursively) whose name matches `name`, as text. */
export function fixtures(dir: string, name: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(join(ROOT, d)).sort()) {
      const rel = `${d}/${entry}`;
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel);
      else if (name.test(entry)) out.push(fixture(rel));
    }
  };
  walk(dir);
  if (out.length === 0) throw new Error(`no fixture matches ${String(name)} under ${dir}`);
  return out;
}

/** The non-empty lines of some texts, without repeats. */
export const linesOf = (texts: readonly string[]): string[] => [...new Set(texts.flatMap((t) => t.split('\n')).filter((l) => l.trim() !== ''))];
