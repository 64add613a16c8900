import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Everything renderer/main.ts imports statically is in the entry chunk, which the window parses and
// runs before its first screen. zod builds its schemas at module load, so one value import of a
// schema module puts zod (some 180 KB) on that path. This walks the static imports the way the
// bundler keeps them, without a build, so `npm run test:unit` catches the regression at once.

const root = resolve(import.meta.dirname, '../../..');
const entry = join(root, 'renderer/main.ts');

/** The script blocks of a component; its markup imports nothing. */
function scriptOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/**
 * The specifiers the built code still imports. `import type` and `export type` are erased; under
 * `verbatimModuleSyntax` an import of inline types only (`import { type A } from`) is kept as a
 * side-effect import, so it counts. A dynamic `import()` is a chunk of its own and is not followed:
 * only top-level declarations are read.
 */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, scriptOf(file), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifiers.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

/** A relative specifier as the bundler resolves it; a bare one is a package, kept by name. */
function resolveSpecifier(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const base = resolve(dirname(from), specifier);
  const candidate = [base, `${base}.ts`, join(base, 'index.ts')].find((path) => existsSync(path) && statSync(path).isFile());
  if (!candidate) throw new Error(`${relative(root, from)}: cannot resolve ${specifier}`);
  return candidate;
}

const isSource = (path: string) => path.startsWith(root) && /\.(ts|svelte)$/.test(path) && existsSync(path);

/** Every module reached from `start`, each with the chain of imports that reached it first. */
function importGraph(start: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[start, [start]]]);
  const queue = [start];
  for (let file = queue.shift(); file; file = queue.shift()) {
    for (const specifier of staticImports(file)) {
      const target = resolveSpecifier(file, specifier);
      if (chains.has(target)) continue;
      chains.set(target, [...chains.get(file)!, target]);
      if (isSource(target)) queue.push(target);
    }
  }
  return chains;
}

const show = (chain: string[]) => chain.map((path) => (path.startsWith(root) ? relative(root, path) : path)).join(' -> ');

const isZod = (module: string) => module === 'zod' || module.startsWith('zod/');

describe("the first screen's import graph", () => {
  const graph = importGraph(entry);

  it('reaches the first screen and stops at the dynamic import of the later screens', () => {
    const reached = [...graph.keys()].map((path) => relative(root, path));
    expect(reached).toContain('renderer/components/TargetForm.svelte');
    expect(reached).toContain('renderer/state/fleet.ts');
    expect(reached).not.toContain('renderer/later-screens.ts');
  });

  it('has no zod in it, nor any module that builds zod schemas', () => {
    // Each module that imports zod itself, with how the first screen reaches it: the list to fix.
    const schemaModules = [...graph.entries()].filter(([module]) => isSource(module) && staticImports(module).some(isZod)).map(([, chain]) => show(chain));
    expect(schemaModules).toEqual([]);
    expect([...graph.keys()].filter(isZod)).toEqual([]);
  });

  it('would see zod if a first-screen module imported the IPC contract', () => {
    // The walker itself, on a module known to build schemas: the test above cannot pass by seeing nothing.
    const contract = importGraph(join(root, 'shared/common/ipc.ts'));
    expect([...contract.keys()].some(isZod)).toBe(true);
  });
});

describe('the chunk zod comes in with', () => {
  it("sets zod's jitless mode before any module there makes a schema", () => {
    // Else zod probes for `new Function`, which the CSP refuses and reports, while the page is in use.
    expect(staticImports(join(root, 'renderer/later-screens.ts'))[0]).toBe('./zod-jitless');
  });
});
