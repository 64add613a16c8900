import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'vite';

/**
 * kill -9 tests of the stores: a writer child process, bundled by Vite into one file for plain Node
 * (Node 20 cannot run TypeScript), killed at a random moment of its loop of writes.
 */

/** Bundles `entry` (a `*.child.ts` next to the test) into `outDir`; returns the script's path. */
export async function bundleChild(entry: string, outDir: string): Promise<string> {
  const name = `${entry.replace(/^.*[/\\]/, '').replace(/\.ts$/, '')}.mjs`;
  await build({
    configFile: false,
    logLevel: 'error',
    // Everything in one file: the bundle runs from a temp folder, away from node_modules.
    ssr: { noExternal: true },
    build: { ssr: entry, outDir, target: 'node20', minify: false, emptyOutDir: false, rolldownOptions: { output: { entryFileNames: name } } },
  });
  return join(outDir, name);
}

export interface Killed {
  /** Lines the writer printed (one per completed write) before it was killed. */
  counted: number;
  /** The last whole line it printed (a line cut by the kill was not fully reported). */
  lastLine: string;
  stderr: string;
}

/** Starts the writer, waits until it has completed `warmup` writes, then kills it after `delayMs`. */
export function runAndKill(script: string, args: readonly string[], warmup: number, delayMs: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let counted = 0;
    let out = '';
    let stderr = '';
    let armed = false;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the writer made no progress in 20 s: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      counted = out.split('\n').filter(Boolean).length;
      if (!armed && counted >= warmup) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') reject(new Error(`the writer ended by itself (code ${code}): ${stderr}`));
      else resolve({ counted, lastLine: out.split('\n').slice(0, -1).filter(Boolean).at(-1) ?? '', stderr });
    });
  });
}
