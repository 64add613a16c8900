// Data safety under kill -9, the part test/unit/store/*.kill.test.ts leave implicit: a write the
// store reported done is never lost, and the kills really land in the middle of writes (a temp file
// left behind proves it), not only between them. The writers are the same children those tests use.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfilesFile } from '../../../shared/common/schema/profile';
import { Report } from '../../../shared/common/schema/report';
import { openHistoryStore } from '../../../shared/node/store/history-store';
import { openProfileStore } from '../../../shared/node/store/profile-store';
import { refusedReport } from '../store/history-report';
import { bundleChild, runAndKill } from '../store/kill-loop';

const MIN_ROUNDS = 12;
const MAX_ROUNDS = 60;
/** Enough kills inside a write to trust the result; the loop stops early once it has them. */
const WANTED_MID_WRITE = 3;

let work: string;
let profileScript: string;
let historyScript: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pw-store-kill-'));
  profileScript = await bundleChild(join(import.meta.dirname, '..', 'store', 'write-loop.child.ts'), join(work, 'bundle'));
  historyScript = await bundleChild(join(import.meta.dirname, '..', 'store', 'history-loop.child.ts'), join(work, 'bundle'));
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('kill -9 during writes: nothing acknowledged is lost', () => {
  it('profiles: after each kill the file holds the last completed write (or the one in flight), and some kills hit a write', async () => {
    const home = join(work, 'profiles');
    let midWrite = 0;
    let rounds = 0;
    while (rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || midWrite < WANTED_MID_WRITE)) {
      rounds++;
      const { lastLine, stderr } = await runAndKill(profileScript, [home], 1 + Math.floor(Math.random() * 4), Math.random() * 12);
      // The last write the writer reported done (each child prints one number per write).
      const lastDone = Number(lastLine);
      expect(stderr, `round ${rounds}`).toBe('');
      expect(Number.isInteger(lastDone), `round ${rounds}`).toBe(true);
      // A temp file of the dead writer: it was killed between creating its new file and renaming it.
      const names = await readdir(home);
      if (names.some((n) => n.startsWith('.profiles.json.tmp-'))) midWrite++;
      const file = ProfilesFile.parse(JSON.parse(await readFile(join(home, 'profiles.json'), 'utf8')));
      const counter = Number(file.profiles.find((p) => p.id === 'counter')?.notes);
      // The write it reported is there; at most the next one (finished but not yet printed) too.
      expect(counter, `round ${rounds}`).toBeGreaterThanOrEqual(lastDone);
      expect(counter, `round ${rounds}`).toBeLessThanOrEqual(lastDone + 1);
    }
    expect(midWrite, `kills inside a write in ${rounds} rounds`).toBeGreaterThanOrEqual(1);
    // The store still takes writes after the last kill: no lock or temp file left blocking it.
    const store = openProfileStore({ env: { PORTWISE_HOME: home } });
    expect(await store.edit('counter', { notes: 'after' })).toMatchObject({ ok: true });
    expect((await readdir(home)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }, 180_000);

  it('history: after each kill the last report saved is listed, whole, and some kills hit a write', async () => {
    const home = join(work, 'history-home');
    await mkdir(home, { recursive: true });
    const reportFile = join(work, 'report.json');
    await writeFile(reportFile, JSON.stringify(refusedReport()));
    const history = openHistoryStore({ env: { PORTWISE_HOME: home } });
    let midWrite = 0;
    let rounds = 0;
    while (rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || midWrite < WANTED_MID_WRITE)) {
      rounds++;
      const roundStart = Date.now();
      const { lastLine, stderr } = await runAndKill(historyScript, [home, reportFile], 1 + Math.floor(Math.random() * 4), Math.random() * 12);
      const lastDone = Number(lastLine);
      expect(stderr, `round ${rounds}`).toBe('');
      const names = await readdir(join(home, 'history'));
      if (names.some((n) => n.includes('.tmp-'))) midWrite++;
      for (const name of names.filter((n) => n.endsWith('.json'))) Report.parse(JSON.parse(await readFile(join(home, 'history', name), 'utf8')));
      const listing = await history.list();
      expect(listing.notices, `round ${rounds}`).toEqual([]);
      // Each child numbers its saves from 1 and dates them from its own start: the last one this
      // child reported must be in the history (not an older child's save of the same number).
      const mine = listing.entries.filter((e) => Date.parse(e.finishedAt) >= roundStart).map((e) => e.input);
      expect(mine, `round ${rounds}`).toContain(`run ${lastDone}`);
    }
    expect(midWrite, `kills inside a write in ${rounds} rounds`).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
