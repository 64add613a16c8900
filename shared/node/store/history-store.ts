/**
 * Every finished diagnosis, kept on this computer so it can be opened, exported again and compared
 * (issue 7). One file per report in `history/` under Portwise's home, written atomically, so a kill
 * leaves whole reports only; the oldest go once there are more than the limit. A damaged file is
 * moved aside and named, never shown as a report nor silently dropped.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Report } from '../../common/schema/report';
import { formatTarget } from '../../common/schema/target';
import { portwiseHome } from '../paths';
import { exclusive, readJsonFile, sweepAbandonedTempsIn, writeFileAtomic } from './atomic-file';

/** Enough for months of daily use; a report is tens of kilobytes. */
export const DEFAULT_HISTORY_LIMIT = 200;

/** `20261124T145501123Z-<8 hex>`: sorts by time, and names nothing a path could be built from. */
const ENTRY_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;
const SUFFIX = '.json';

export const historyDir = (env: NodeJS.ProcessEnv = process.env): string => path.join(portwiseHome(env), 'history');

/** What the history list shows of one report, without reading it again. */
export interface HistoryEntry {
  id: string;
  target: string;
  /** What the person typed. */
  input: string;
  finishedAt: string;
  outcome: Report['outcome'];
  cause: string;
  title: string;
  confidence: Report['diagnosis']['confidence'];
}

export interface HistoryListing {
  entries: HistoryEntry[];
  /** Damaged files moved aside while listing, each a sentence. */
  notices: string[];
}

export type HistoryError = { code: 'not-found' | 'bad-id'; message: string };

export interface HistoryStore {
  readonly dir: string;
  /** Saves a finished report; returns its id. Removes the oldest beyond the limit. */
  save(report: Report): Promise<string>;
  /** Newest first. */
  list(): Promise<HistoryListing>;
  get(id: string): Promise<{ ok: true; report: Report } | { ok: false; error: HistoryError }>;
  /**
   * Replaces a saved report, keeping its id (a manual-mode answer walked it again, a verify-the-fix
   * run was added). `change` is the new report, or a function of the saved one, called under the
   * folder's lock so that two updates of one entry never lose each other's change.
   */
  update(id: string, change: Report | ((saved: Report) => Report)): Promise<{ ok: true; report: Report } | { ok: false; error: HistoryError }>;
  /** Removes every saved report (and damaged ones set aside); returns how many reports went. */
  clear(): Promise<number>;
}

export interface HistoryStoreOptions {
  env?: NodeJS.ProcessEnv;
  limit?: number;
  now?: () => Date;
}

export function openHistoryStore(options: HistoryStoreOptions = {}): HistoryStore {
  const dir = historyDir(options.env);
  const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
  const now = options.now ?? (() => new Date());
  // One lock for the folder: a save's prune and a clear must not interleave with another process's.
  const folderLock = path.join(dir, '.history');
  const fileOf = (id: string) => path.join(dir, `${id}${SUFFIX}`);

  async function ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.filter((n) => n.endsWith(SUFFIX) && ENTRY_ID.test(n.slice(0, -SUFFIX.length))).map((n) => n.slice(0, -SUFFIX.length)).sort();
  }

  async function read(id: string): Promise<{ ok: true; report: Report } | { ok: false; error: HistoryError }> {
    if (!ENTRY_ID.test(id)) return { ok: false, error: { code: 'bad-id', message: `"${id.slice(0, 60)}" is not a history id (they look like 20261124T145501123Z-1a2b3c4d).` } };
    const file = await readJsonFile(fileOf(id), Report, now);
    if (file.status === 'ok') return { ok: true, report: file.value };
    const message = file.status === 'corrupt' ? file.notice.message : `No saved report has the id ${id}.`;
    return { ok: false, error: { code: 'not-found', message } };
  }

  return {
    dir,
    save: (report) =>
      exclusive(folderLock, async () => {
        const stamp = report.finishedAt.replace(/[-:.]/g, '');
        // Random, not the run's id: two reports finishing in the same millisecond must not share a file.
        const id = `${/^\d{8}T\d{9}Z$/.test(stamp) ? stamp : compactNow(now())}-${randomBytes(4).toString('hex')}`;
        await writeFileAtomic(fileOf(id), `${JSON.stringify(Report.parse(report))}\n`);
        const all = await ids();
        for (const old of all.slice(0, Math.max(0, all.length - limit))) await rm(fileOf(old), { force: true });
        // Each report is its own file: a writer killed mid-save leaves a temp file no later save of that name will sweep.
        await sweepAbandonedTempsIn(dir, (name) => name.endsWith(SUFFIX));
        return id;
      }),
    async list() {
      const entries: HistoryEntry[] = [];
      const notices: string[] = [];
      for (const id of (await ids()).reverse()) {
        const read = await readJsonFile(fileOf(id), Report, now);
        if (read.status === 'corrupt') notices.push(read.notice.message);
        if (read.status === 'ok') entries.push(entryOf(id, read.value));
      }
      return { entries, notices };
    },
    get: (id) => read(id),
    async update(id, change) {
      // Looked for before the lock too: an id that names no saved report creates nothing (the lock would).
      const found = await read(id);
      if (!found.ok) return found;
      return exclusive(folderLock, async () => {
        const saved = await read(id);
        if (!saved.ok) return saved;
        const report = Report.parse(typeof change === 'function' ? change(saved.report) : change);
        await writeFileAtomic(fileOf(id), `${JSON.stringify(report)}\n`);
        return { ok: true, report };
      });
    },
    clear: () =>
      exclusive(folderLock, async () => {
        const all = await ids();
        for (const id of all) await rm(fileOf(id), { force: true });
        // Damaged reports moved aside go too: clearing means nothing of past runs stays.
        const names = await readdir(dir).catch(() => [] as string[]);
        for (const name of names.filter((n) => n.includes(`${SUFFIX}.corrupt-`))) await rm(path.join(dir, name), { force: true });
        return all.length;
      }),
  };
}

function entryOf(id: string, report: Report): HistoryEntry {
  return {
    id,
    target: formatTarget(report.target),
    input: report.target.input,
    finishedAt: report.finishedAt,
    outcome: report.outcome,
    cause: report.diagnosis.cause,
    title: report.diagnosis.title,
    confidence: report.diagnosis.confidence,
  };
}

function compactNow(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '');
}
