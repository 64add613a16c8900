/**
 * A lock on a file between processes: the desktop app and the CLI may both change profiles.json
 * (or secrets.json, known_hosts) at once. `serialized` orders changes inside one process only; a
 * read-modify-write in another process between our read and our write would be lost. Use it inside
 * `serialized`: it is not re-entrant.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export interface FileLockOptions {
  /** How long to wait for another holder before giving up (ms). Default 5000. */
  waitMs?: number;
  /** A lock older than this is taken over whoever holds it (ms): a holder on another host, or a reused pid. Default 30000. */
  staleMs?: number;
  /** The wall clock (ms since the epoch), for `since` and for the age of a lock. Waiting uses a monotonic clock. */
  now?: () => number;
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

export class FileLockBusyError extends Error {
  readonly file: string;
  readonly holder: LockHolder | null;

  constructor(file: string, holder: LockHolder | null) {
    const where = holder === null ? '' : holder.host === hostname() ? ` (process ${holder.pid})` : ` (process ${holder.pid} on ${holder.host})`;
    super(`${path.basename(file)} is being changed by another Portwise${where}; try again.`);
    this.name = 'FileLockBusyError';
    this.file = file;
    this.holder = holder;
  }
}

/** A holder writes its lock right after creating it: an empty or unreadable lock younger than this may be one being written. */
const UNWRITTEN_GRACE_MS = 2000;

/** A lock as found: who holds it (null: unreadable) and which file it is (to tell it from a newer lock by the same name). */
interface Seen {
  holder: LockHolder | null;
  identity: string;
  mtimeMs: number;
}

/** Runs `task` holding `${file}.lock`; throws FileLockBusyError if another process holds it longer than `waitMs`. */
export async function withFileLock<T>(file: string, task: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const lock = `${file}.lock`;
  const mine = await acquire(file, lock, options);
  try {
    return await task();
  } finally {
    await release(lock, mine);
  }
}

async function acquire(file: string, lock: string, options: FileLockOptions): Promise<LockHolder> {
  const { waitMs = 5000, staleMs = 30_000, now = Date.now } = options;
  // Monotonic, and not the injectable clock: a stopped or fake clock must not make this wait forever.
  const deadline = performance.now() + waitMs;
  await mkdir(path.dirname(lock), { recursive: true, mode: 0o700 });
  for (let attempt = 0; ; attempt++) {
    const mine = holderNow(now);
    if (await create(lock, mine)) return mine;
    const seen = await inspect(lock);
    // Checked on every path, a takeover too: the loop ends by the deadline whatever other processes do.
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new FileLockBusyError(file, seen?.holder ?? null);
    if (seen === null) continue; // released in between: try at once
    if (isStale(seen, now(), staleMs) && (await removeStale(lock, seen, now))) continue;
    // Jittered: waiters that started together would otherwise all wake together, again and again.
    await sleep(Math.min(25 * 2 ** attempt * (0.5 + Math.random()), 200, remaining));
  }
}

const holderNow = (now: () => number): LockHolder => ({ pid: process.pid, host: hostname(), since: new Date(now()).toISOString() });

/** Creates the lock if there is none (O_EXCL): true if it is ours now. */
async function create(lock: string, holder: LockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' || pendingDelete(error)) return false;
    throw error;
  }
  try {
    try {
      await handle.writeFile(JSON.stringify(holder), 'utf8');
      // Durable before the task runs: a lock that loses its content in a crash looks unwritten for 2 s.
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(lock, { force: true });
    throw error;
  }
  return true;
}

/** Reads the lock and its identity from one open handle, so the two describe the same file. Null: no lock. */
async function inspect(file: string): Promise<Seen | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || pendingDelete(error)) return null;
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    const text = await handle.readFile('utf8');
    return { holder: parseHolder(text), identity: `${stats.dev}:${stats.ino}:${stats.mtimeNs}:${text}`, mtimeMs: Number(stats.mtimeMs) };
  } finally {
    await handle.close();
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null) return null;
    const { pid, host, since } = raw as Record<string, unknown>;
    // pid 0 or negative would make kill() probe a process group.
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof host !== 'string' || typeof since !== 'string') return null;
    return { pid, host, since };
  } catch {
    return null;
  }
}

function isStale(seen: Seen, nowMs: number, staleMs: number): boolean {
  const age = nowMs - seen.mtimeMs;
  if (age > staleMs) return true;
  if (seen.holder === null) return age > UNWRITTEN_GRACE_MS;
  // A pid on another host means nothing here: only age can free such a lock.
  return seen.holder.host === hostname() && !isAlive(seen.holder.pid);
}

/** Whether a process of this host still runs (a lock's or a temp file's writer). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Several waiters may judge the same lock stale. Were each to unlink it, a slow one would delete the
 * fresh lock the first one created meanwhile, and two would hold it. So takeovers go one at a time,
 * under a second lock (`.lock.break`, held for a moment only), and re-read the lock under it: as only
 * a breaker removes another's lock, the one judged stale cannot be replaced by a fresh one before we
 * remove it. True if it was removed (try again at once), false if another waiter is breaking it.
 */
async function removeStale(lock: string, judged: Seen, now: () => number): Promise<boolean> {
  const breaker = `${lock}.break`;
  const mine = holderNow(now);
  if (!(await create(breaker, mine))) {
    // A breaker that died in that moment must not block takeovers forever: 2 s is ages for it.
    const other = await inspect(breaker);
    if (other !== null && isStale(other, now(), UNWRITTEN_GRACE_MS)) await removeIfSame(breaker, other);
    return false;
  }
  try {
    const current = await inspect(lock);
    return current !== null && current.identity === judged.identity && (await removeIfSame(lock, current));
  } finally {
    await release(breaker, mine);
  }
}

/**
 * Removes `file` if it is still the one `judged`. Not a plain unlink, for the cases the break lock
 * cannot cover (a holder releasing late, a stale break lock removed by two waiters): rename it to a
 * name only we use, which is atomic, compare, and put back with link (which never overwrites) what
 * turns out to be a newer file.
 */
async function removeIfSame(file: string, judged: Seen): Promise<boolean> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || pendingDelete(error)) return false;
    throw error;
  }
  const moved = await inspect(aside);
  const same = moved !== null && moved.identity === judged.identity;
  if (!same) {
    try {
      await link(aside, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  await unlink(aside).catch(ignoreMissing);
  return same;
}

/** Removes the lock only if it is still ours: after `staleMs` another process may have taken it over. */
async function release(lock: string, mine: LockHolder): Promise<void> {
  const seen = await inspect(lock);
  if (seen?.holder?.pid !== mine.pid || seen.holder.since !== mine.since || seen.holder.host !== mine.host) return;
  await unlink(lock).catch(ignoreMissing);
}

/** Windows answers EPERM for a file that was deleted but is still open somewhere: as good as gone. */
function pendingDelete(error: unknown): boolean {
  return process.platform === 'win32' && (error as NodeJS.ErrnoException).code === 'EPERM';
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
