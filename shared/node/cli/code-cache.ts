import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Script } from 'node:vm';

/*
 * The CLI's engine is one CommonJS file that the launcher compiles itself, so V8's code for it can
 * be kept between runs (Node 20 has no compile cache of its own). Compiling the engine and ssh2
 * is a good part of a verdict's time; with the code kept, V8 reads it back instead. The cache is
 * an optimisation only: any failure to read or write it is the same as not having it.
 */

/** Where compiled code is kept: Portwise's folder when PORTWISE_HOME is set, else the platform's cache folder. */
export function codeCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  if (env.PORTWISE_HOME) return path.join(path.resolve(env.PORTWISE_HOME), 'cache');
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Portwise', 'Cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'Portwise');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'portwise');
}

const SSH_FLAGS = ['--ssh', '--profile'];

/**
 * Which kind of run a cache serves. V8 keeps the code of the functions a run compiled, so a cache
 * written by `--help` would hold little a diagnosis over SSH needs: each kind keeps its own. The
 * argument list is only looked at, never trusted; a wrong guess costs speed, nothing else.
 */
export function runKind(argv: readonly string[]): string {
  const command = argv[0];
  if (command !== 'diagnose' && command !== 'fleet') return 'other';
  const logsIn = argv.some((a) => SSH_FLAGS.some((flag) => a === flag || a.startsWith(`${flag}=`)));
  return logsIn ? `${command}-ssh` : command;
}

/**
 * The engine build a cache was made from: a hash of its bytes (under a millisecond here). V8 checks
 * only the source's length, and an npm install gives every version of a file the same date, so
 * neither a date nor a size could tell two builds apart.
 */
export function engineId(engine: Buffer): string {
  return createHash('sha256').update(engine).digest('hex').slice(0, 16);
}

/** One cache per engine build, Node version (V8 rejects another's code), architecture and kind of run. */
export function cacheFileName(engineId: string, kind: string, nodeVersion: string = process.version, arch: string = process.arch): string {
  return `${engineId}-${nodeVersion}-${arch}-${kind}.v8cache`;
}

const CACHE_FILE = /^[0-9a-f]{16}-v[0-9.]+-[a-z0-9]+-[a-z-]+\.v8cache$/;

/** Caches of other engine builds or Node versions, which no run of this install can use. */
export function staleCacheFiles(names: readonly string[], engineId: string, nodeVersion: string = process.version, arch: string = process.arch): string[] {
  const current = `${engineId}-${nodeVersion}-${arch}-`;
  return names.filter((name) => CACHE_FILE.test(name) && !name.startsWith(current));
}

/**
 * Compiled code runs as this user, unchecked: it is read from, and written to, only a folder (and a
 * file) that is this user's and that no one else may write, as OpenSSH asks of ~/.ssh. Where a
 * process has no uid (Windows), the folder's ACLs are the platform's business.
 */
export function privateToUser(stat: { uid: number; mode: number }, uid: number | null): boolean {
  return uid === null || (stat.uid === uid && (stat.mode & 0o022) === 0);
}

/**
 * What became of the cache: used, absent, refused by V8 (another build of V8, other flags), in a
 * folder others may write (not read, not written), or turned off.
 */
export type CacheState = 'used' | 'absent' | 'rejected' | 'untrusted' | 'off';

export interface LoadedEngine {
  exports: unknown;
  state: CacheState;
  /**
   * Keeps the code compiled so far (V8 includes what the run compiled lazily), when there was no
   * usable cache. Returns what happened, for PORTWISE_CODE_CACHE=trace; never throws.
   */
  save(): string;
}

/** Node's CommonJS module wrapper, which the build puts around the engine. */
type EngineWrapper = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

export interface CacheLocation {
  dir: string;
  /** `runKind` of the command line. */
  kind: string;
}

/**
 * Compiles the engine file (a CommonJS module in its wrapper, vite.cli.config.ts) and runs it, with
 * V8's code from `cache` when it has it. `cache` null: no caching (PORTWISE_CODE_CACHE=off).
 */
export function loadEngine(engineFile: string, cache: CacheLocation | null): LoadedEngine {
  const bytes = readFileSync(engineFile);
  // The build writes the engine in ASCII: a one-byte string is read and hashed by V8 at half the cost.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const id = engineId(bytes);
  const file = cache ? cacheFileName(id, cache.kind) : '';
  const uid = process.getuid?.() ?? null;
  const read = cache ? readCache(cache.dir, file, uid) : { data: undefined, untrusted: false };
  const cachedData = read.data;
  const script = new Script(source, { filename: engineFile, cachedData });
  const module = { exports: {} as unknown };
  const wrapper: unknown = script.runInThisContext();
  if (typeof wrapper !== 'function') throw new Error(`${engineFile} is not the engine's build: run \`npm run build\`.`);
  (wrapper as EngineWrapper)(module.exports, createRequire(engineFile), module, engineFile, path.dirname(engineFile));
  const state: CacheState = !cache ? 'off' : read.untrusted ? 'untrusted' : cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  return {
    exports: module.exports,
    state,
    save: () => {
      if (!cache || state === 'used') return `code cache ${state}`;
      if (state === 'untrusted') return `code cache not used: ${cache.dir} or its file may be written by other users`;
      return writeCache(cache.dir, file, id, uid, script);
    },
  };
}

function readCache(dir: string, file: string, uid: number | null): { data: Buffer | undefined; untrusted: boolean } {
  let fd: number | null = null;
  try {
    if (!privateToUser(statSync(dir), uid)) return { data: undefined, untrusted: true };
    fd = openSync(path.join(dir, file), 'r');
    if (!privateToUser(fstatSync(fd), uid)) return { data: undefined, untrusted: true };
    return { data: readFileSync(fd), untrusted: false };
  } catch {
    return { data: undefined, untrusted: false };
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function writeCache(dir: string, file: string, id: string, uid: number | null, script: Script): string {
  const target = path.join(dir, file);
  // Written aside and renamed: a run that reads it meanwhile sees the old file or the whole new one.
  const temp = `${target}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A folder that was there already (made by someone else, or opened up since) is not written to.
    if (!privateToUser(statSync(dir), uid)) return `code cache not written: ${dir} may be written by other users`;
    writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    renameSync(temp, target);
    for (const stale of staleCacheFiles(readdirSync(dir), id)) unlinkSync(path.join(dir, stale));
    return `code cache written: ${target}`;
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Never written, or already renamed.
    }
    return `code cache not written (${(error as Error).message})`;
  }
}
