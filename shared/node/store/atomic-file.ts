/**
 * Files Portwise owns (profiles, later history): written so that a crash, a kill -9 or a full disk
 * leaves either the old content or the new, never half of each; read so that a damaged file is kept
 * for the user to look at instead of being overwritten by an empty one.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { shown } from '../../common/schema/target';
import { isAlive, withFileLock } from './file-lock';

/** A file could not be read as what it should be, and was moved aside (the caller tells the user). */
export interface CorruptFileNotice {
  kind: 'moved-corrupt';
  file: string;
  movedTo: string;
  /** Why it was not accepted: "not JSON: ...", or the first schema problems. */
  reason: string;
  /** One sentence for a person. */
  message: string;
}

export type ReadOutcome<T> = { status: 'missing' } | { status: 'ok'; value: T } | { status: 'corrupt'; notice: CorruptFileNotice };

const chains = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every task queued before it for the same file, in this process, even when one
 * of those failed: a read-modify-write inside it cannot interleave with another.
 */
export function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const key = path.resolve(file);
  const previous = chains.get(key) ?? Promise.resolve();
  const result = previous.then(task, task);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  chains.set(key, tail);
  // Forget the chain once it is idle, so the map does not grow with every file ever touched.
  void tail.then(() => {
    if (chains.get(key) === tail) chains.delete(key);
  });
  return result;
}

/**
 * A read-modify-write that must not lose another's change: ordered in this process (`serialized`)
 * and locked against other processes (the app and the CLI may edit the same file at once).
 * Throws FileLockBusyError, with a sentence, when another process holds the file for too long.
 */
export function exclusive<T>(file: string, task: () => Promise<T>): Promise<T> {
  return serialized(file, () => withFileLock(file, task));
}

/** Temp files are named after the target and the writing process, so a later writer can tell which are abandoned. */
const tempPrefix = (file: string): string => `.${path.basename(file)}.tmp-`;

/**
 * Removes temp files left by writers that died between creating and renaming them (kill -9, power
 * loss). A temp file of a live process is another writer's work in progress and is left alone.
 */
export function sweepAbandonedTemps(file: string): Promise<string[]> {
  return sweepAbandonedTempsIn(path.dirname(file), (target) => target === path.basename(file));
}

/** The same, for every file of a folder whose name `isTarget` accepts (a folder of many files, like the history). */
export async function sweepAbandonedTempsIn(dir: string, isTarget: (name: string) => boolean): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    // `.<target>.tmp-<pid>-<random>` (tempPrefix).
    const match = /^\.(.+)\.tmp-(\d+)-[^-]*$/.exec(name);
    if (!match || !isTarget(match[1] as string)) continue;
    const pid = Number(match[2]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** Makes a rename or a new directory entry durable: without it a power loss can undo the rename. */
async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync, and NTFS journals the rename anyway.
  if (process.platform === 'win32') return;
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` with `data`: a unique temp file in the same folder (mode 0600: profiles name
 * servers and users), fsync, rename over the target, fsync the folder. Not serialized by itself:
 * wrap a read-modify-write in `serialized`.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await sweepAbandonedTemps(file);
  const temp = path.join(dir, `${tempPrefix(file)}${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      // Text as UTF-8; bytes (a PDF) as they are.
      await handle.writeFile(data, typeof data === 'string' ? 'utf8' : undefined);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

/** `20260102T030405Z`: sorts by time, and has no `:` (not allowed in Windows file names). */
export function corruptStamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll('-', '').replaceAll(':', '');
}

/** Moves `file` to `<name>.corrupt-<UTC timestamp>` (with -2, -3... if that name is taken) and says where. */
export async function moveAside(file: string, reason: string, now: Date = new Date()): Promise<CorruptFileNotice> {
  const base = `${file}.corrupt-${corruptStamp(now)}`;
  let movedTo = base;
  for (let n = 2; await exists(movedTo); n++) movedTo = `${base}-${n}`;
  await rename(file, movedTo);
  await syncDirectory(path.dirname(file));
  return {
    kind: 'moved-corrupt',
    file,
    movedTo,
    reason,
    message: `${file} could not be read (${reason}); it was moved to ${movedTo} and a new, empty file is used.`,
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** The first few schema problems, on one line. */
export function describeIssues(error: z.ZodError, max = 3): string {
  const lines = error.issues.slice(0, max).map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return shown(`${lines.join('; ')}${more}`, 400);
}

export type PeekOutcome<T> = { status: 'missing' } | { status: 'damaged'; problem: string } | { status: 'ok'; value: T };

/** Reads `file` as JSON checked by `schema`, changing nothing: a damaged file is only described. */
export async function peekJsonFile<T>(file: string, schema: z.ZodType<T>): Promise<PeekOutcome<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the file, which may hold what should not reach a terminal or a log.
    return { status: 'damaged', problem: 'not JSON' };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { status: 'ok', value: parsed.data } : { status: 'damaged', problem: describeIssues(parsed.error) };
}

/**
 * Reads `file` as JSON checked by `schema`. Missing is not an error (nothing saved yet). A file that
 * is not JSON or does not pass the schema is moved aside, never overwritten: the notice says where.
 */
export async function readJsonFile<T>(file: string, schema: z.ZodType<T>, now: () => Date = () => new Date()): Promise<ReadOutcome<T>> {
  const read = await peekJsonFile(file, schema);
  if (read.status !== 'damaged') return read;
  return { status: 'corrupt', notice: await moveAside(file, read.problem, now()) };
}

/** The `code` of a Node.js system error (`ENOENT`...), or null for anything else. */
export function errnoCode(error: unknown): string | null {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : null;
}

/** A file system error in words a person can act on ("permission denied"), else its code. */
export function fsErrorWords(error: unknown): string {
  const code = errnoCode(error);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EROFS':
      return 'the disk is read-only';
    case 'ENOTDIR':
    case 'EEXIST':
      // mkdir -p meets a file where a folder of the path should be.
      return 'a file is in the way of a folder in its path';
    case 'EISDIR':
      return 'it is a folder';
    case null:
      return 'unknown error';
    default:
      return code;
  }
}
