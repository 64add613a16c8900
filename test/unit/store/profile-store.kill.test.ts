import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfilesFile } from '../../../shared/common/schema/profile';

// kill -9 at random moments of a loop of writes: the file must always be a whole, valid profiles
// file (the old one or the new one), the counter never goes back, and temp files do not pile up.
// The writer is a real child process (Vite bundles it for plain Node: Node 20 cannot run TypeScript).
let work: string;
let script: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'portwise-kill-'));
  await build({
    configFile: false,
    logLevel: 'error',
    // Everything in one file: the bundle runs from a temp folder, away from node_modules.
    ssr: { noExternal: true },
    build: {
      ssr: join(import.meta.dirname, 'write-loop.child.ts'),
      outDir: join(work, 'bundle'),
      target: 'node20',
      minify: false,
      rolldownOptions: { output: { entryFileNames: 'write-loop.mjs' } },
    },
  });
  script = join(work, 'bundle', 'write-loop.mjs');
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Killed {
  counted: number;
  stderr: string;
}

/** Starts the writer, waits until it has completed `warmup` writes, then kills it after `delayMs`. */
function runAndKill(home: string, warmup: number, delayMs: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, home], { stdio: ['ignore', 'pipe', 'pipe'] });
    let counted = 0;
    let stderr = '';
    let armed = false;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the writer made no progress in 20 s: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      counted += chunk.toString().split('\n').filter(Boolean).length;
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
      else resolve({ counted, stderr });
    });
  });
}

describe('profile store under kill -9', () => {
  it('20 kills in a loop of writes: always a valid file, a counter that never goes back, at most one temp file', async () => {
    const home = join(work, 'home');
    let last = 0;
    for (let round = 0; round < 20; round++) {
      // Random moments: after 1-5 writes, then 0-15 ms into the following ones.
      const killed = await runAndKill(home, 1 + Math.floor(Math.random() * 5), Math.random() * 15);
      expect(killed.stderr, `round ${round}`).toBe('');
      const file = ProfilesFile.parse(JSON.parse(await readFile(join(home, 'profiles.json'), 'utf8')));
      const counter = file.profiles.find((p) => p.id === 'counter');
      expect(counter, `round ${round}`).toBeDefined();
      const n = Number(counter?.notes);
      expect(n, `round ${round}`).toBeGreaterThanOrEqual(last);
      last = n;
      const names = await readdir(home);
      expect(names.filter((name) => name.includes('.tmp-')).length, `round ${round}: ${names.join(', ')}`).toBeLessThanOrEqual(1);
      expect(names.filter((name) => name.includes('.corrupt-')), `round ${round}`).toEqual([]);
    }
    // It really wrote across the rounds (each child continues the last one's counter).
    expect(last).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
