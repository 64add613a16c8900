import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Report } from '../../../shared/common/schema/report';
import { openHistoryStore } from '../../../shared/node/store/history-store';
import { refusedReport } from './history-report';
import { bundleChild, runAndKill } from './kill-loop';

// kill -9 at random moments of a loop of saves (with the oldest pruned as it goes): every report
// left in the history is whole and valid, none is moved aside as damaged, and temp files do not pile up.
let work: string;
let script: string;
let reportFile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'portwise-history-kill-'));
  script = await bundleChild(join(import.meta.dirname, 'history-loop.child.ts'), join(work, 'bundle'));
  reportFile = join(work, 'report.json');
  await writeFile(reportFile, JSON.stringify(refusedReport()));
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('history under kill -9', () => {
  it('15 kills in a loop of saves: only whole reports, at most the limit (+1 being written), no damaged file', async () => {
    const home = join(work, 'home');
    await mkdir(home, { recursive: true });
    for (let round = 0; round < 15; round++) {
      const killed = await runAndKill(script, [home, reportFile], 1 + Math.floor(Math.random() * 5), Math.random() * 15);
      expect(killed.stderr, `round ${round}`).toBe('');
      const dir = join(home, 'history');
      const names = await readdir(dir);
      const reports = names.filter((n) => n.endsWith('.json'));
      // A kill between the write and the prune may leave one more than the limit; the next save prunes it.
      expect(reports.length, `round ${round}: ${names.join(', ')}`).toBeLessThanOrEqual(6);
      for (const name of reports) Report.parse(JSON.parse(await readFile(join(dir, name), 'utf8')));
      expect(names.filter((n) => n.includes('.tmp-')).length, `round ${round}`).toBeLessThanOrEqual(1);
      expect(names.filter((n) => n.includes('.corrupt-')), `round ${round}`).toEqual([]);
    }
    const listing = await openHistoryStore({ env: { PORTWISE_HOME: home } }).list();
    expect(listing.notices).toEqual([]);
    expect(listing.entries.length).toBeGreaterThan(0);
  }, 120_000);
});
