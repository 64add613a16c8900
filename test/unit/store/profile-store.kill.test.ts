import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfilesFile } from '../../../shared/common/schema/profile';
import { bundleChild, runAndKill } from './kill-loop';

// kill -9 at random moments of a loop of writes: the file must always be a whole, valid profiles
// file (the old one or the new one), the counter never goes back, and temp files do not pile up.
// The writer is a real child process (Vite bundles it for plain Node: Node 20 cannot run TypeScript).
let work: string;
let script: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'portwise-kill-'));
  script = await bundleChild(join(import.meta.dirname, 'write-loop.child.ts'), join(work, 'bundle'));
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('profile store under kill -9', () => {
  it('20 kills in a loop of writes: always a valid file, a counter that never goes back, at most one temp file', async () => {
    const home = join(work, 'home');
    let last = 0;
    for (let round = 0; round < 20; round++) {
      // Random moments: after 1-5 writes, then 0-15 ms into the following ones.
      const killed = await runAndKill(script, [home], 1 + Math.floor(Math.random() * 5), Math.random() * 15);
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
