/**
 * Import SSH host profiles from ~/.ssh/config: read the config (following Include), and plan the
 * profiles it gives, as a preview that the store, the CLI and the UI apply or show. Nothing here
 * writes anything.
 *
 * API
 * - `planSshConfigImport({ home, file?, fs?, existing?, onExisting?, localUser? })`
 *     → `Result<SshImportPlan, SshConfigReadError>`: the one call the CLI needs. Fails only when
 *     the top file cannot be read; a missing or looping Include is a warning in the plan.
 * - `renderImportPreview(plan)` → text: the table (`db via b1 → b2`), what was not imported and why,
 *     the unsupported and ignored directives, warnings. `--json` prints the plan itself.
 * - `loadSshConfig(options)` and `planSshImport(document, options)`: the two halves, for tests and
 *     for a UI that re-plans against a changed profile list without reading the files again.
 *
 * The plan (shared/common/ssh-config/import-plan.ts):
 * - `profiles`: `{ id, input, source: { file, line }, action, origin }`, jump hosts first. `input`
 *   passes `ProfileInput`; the whole set (saved + planned) passes `profileSetProblems`. `action` is
 *   `create`, or, for a name already saved, `update` / `skip-existing` (option `onExisting`,
 *   default 'skip'); an update should merge only `IMPORTED_FIELDS`, keeping groups, tags and notes.
 * - `rejected`: hosts that cannot be profiles (bad HostName, Port, User...), and what jumps through them.
 * - `unsupported`: `{ kind: 'unsupported' | 'ignored' | 'not-applied', directive, value, source,
 *   hosts, reason }`, in reading order; `not-applied` is a Match block.
 * - `warnings`: sentences (missing includes, loops, unreadable lines, hosts that log in as the local user).
 *
 * How ssh_config is read, as OpenSSH does: a Host alias without wildcards or `!` is a profile; for
 * each, the first value of each keyword wins across every block that applies, in reading order
 * (so `Host *` at the end gives defaults); Include is read in place, relative paths under ~/.ssh,
 * globs in lexical order, `~/` as the home. ssh-config (the npm package) tokenises each line; we
 * never call its `compute`, which runs `Match exec` commands and DNS lookups.
 */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LineType, parse, type Directive, type Line } from 'ssh-config';
import { err, ok, type Result } from '../../common/result';
import { displayPath, type ConfigBlock, type ConfigDirective, type SourceRef, type SshConfigDocument } from '../../common/ssh-config/config-document';
import { IMPORTED_FIELDS, planSshImport, type SshImportOptions, type SshImportPlan } from '../../common/ssh-config/import-plan';
import { matchWildcard, type WildcardToken } from '../../common/ssh-config/host-patterns';
import type { ProfilePatch, ProfileStore, StoreError } from './profile-store';

export { planSshImport, IMPORTED_FIELDS } from '../../common/ssh-config/import-plan';
export type { ExistingProfile, ImportAction, PlannedProfile, ProfileFields, RejectedHost, ReportedDirective, SshImportOptions, SshImportPlan } from '../../common/ssh-config/import-plan';
export { renderImportPreview } from '../../common/ssh-config/import-preview';
export type { SshConfigDocument } from '../../common/ssh-config/config-document';

/** The two reads the importer makes; tests give a temp folder through the real one, or a fake. */
export interface SshConfigFs {
  readFile(file: string): Promise<string>;
  readDir(dir: string): Promise<string[]>;
}

export const nodeSshConfigFs: SshConfigFs = {
  readFile: (file) => readFile(file, 'utf8'),
  readDir: (dir) => readdir(dir),
};

export interface LoadSshConfigOptions {
  /** The home directory: `~` in paths, and ~/.ssh for relative Includes. Never defaulted, so tests cannot read the real one. */
  home: string;
  /** The file to start from (default ~/.ssh/config); relative to the working directory. */
  file?: string;
  fs?: SshConfigFs;
}

export interface SshConfigReadError {
  code: 'unreadable';
  file: string;
  message: string;
}

/** OpenSSH's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

/**
 * Files read in one import, Includes counted. The depth limit alone lets a folder of files that
 * each `Include` the folder be read along every path through it: 7 such files were 13,700 reads,
 * 10 files millions (the import hung). Real configs read a few dozen files.
 */
const MAX_INCLUDED_FILES = 256;

export async function loadSshConfig(options: LoadSshConfigOptions): Promise<Result<SshConfigDocument, SshConfigReadError>> {
  const fs = options.fs ?? nodeSshConfigFs;
  const home = path.resolve(options.home);
  const file = path.resolve(options.file ?? path.join(home, '.ssh', 'config'));
  let text: string;
  try {
    text = await fs.readFile(file);
  } catch (error) {
    return err({ code: 'unreadable', file, message: `Cannot read ${displayPath(file, home)}: ${reason(error)}.` });
  }
  const doc: SshConfigDocument = { file, home, directives: [], blocks: [], warnings: [] };
  await readLines(text, file, [], [file], { doc, fs, home, filesLeft: MAX_INCLUDED_FILES - 1 });
  return ok(doc);
}

export interface SshConfigImportOptions extends LoadSshConfigOptions, Omit<SshImportOptions, 'localUser'> {
  /** ssh's default User; default: this process's user name. */
  localUser?: string | null;
}

export async function planSshConfigImport(options: SshConfigImportOptions): Promise<Result<SshImportPlan, SshConfigReadError>> {
  const doc = await loadSshConfig(options);
  if (!doc.ok) return doc;
  const localUser = options.localUser === undefined ? localUserName() : options.localUser;
  return ok(planSshImport(doc.value, { existing: options.existing, onExisting: options.onExisting, localUser }));
}

export type ImportPlanError = { kind: 'store'; error: StoreError } | { kind: 'config'; error: SshConfigReadError };

/**
 * Plans an import against the profiles saved now, for an engine environment (its HOME and USER):
 * what the CLI and the app both do before they preview or save. `file` is already a full path.
 */
export async function planImportForStore(store: ProfileStore, env: NodeJS.ProcessEnv, options: { file: string | null; update: boolean }): Promise<Result<SshImportPlan, ImportPlanError>> {
  const saved = await store.list();
  if (!saved.ok) return err({ kind: 'store', error: saved.error });
  const planned = await planSshConfigImport({
    home: env.HOME ?? os.homedir(),
    ...(options.file ? { file: options.file } : {}),
    existing: saved.value,
    onExisting: options.update ? 'update' : 'skip',
    ...(env.USER ? { localUser: env.USER } : {}),
  });
  return planned.ok ? planned : err({ kind: 'config', error: planned.error });
}

function localUserName(): string | null {
  try {
    return os.userInfo().username || null;
  } catch {
    // os.userInfo() throws for a uid without a passwd entry (some containers).
    return null;
  }
}

interface ReadContext {
  doc: SshConfigDocument;
  fs: SshConfigFs;
  home: string;
  /** Files this import may still read (MAX_INCLUDED_FILES); at 0, Includes are skipped with one warning. */
  filesLeft: number;
}

/**
 * One file's lines, appended to the document. `within`: the blocks around the Include that pulled
 * this file in; a Host line here applies only where they do. `stack`: the files being read, to
 * catch Include loops.
 */
async function readLines(text: string, file: string, within: ConfigBlock[], stack: string[], ctx: ReadContext): Promise<void> {
  let scopes = within;
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const source: SourceRef = { file, line: i + 1 };
    const line = tokenise(lines[i] ?? '', source, ctx);
    if (line === null) continue;
    if (line.kind === 'unreadable') {
      // An unreadable Host or Match line: skip its block rather than let its lines join the previous one.
      if (/^\s*(host|match)\b/i.test(lines[i] ?? '')) {
        const block: ConfigBlock = { kind: 'unreadable', text: lines[i] ?? '', source, within };
        ctx.doc.blocks.push(block);
        scopes = [...within, block];
      }
      continue;
    }
    const { keyword, name, args } = line;
    if (keyword === 'host' || keyword === 'match') {
      const block: ConfigBlock = keyword === 'host' ? { kind: 'host', patterns: args, source, within } : { kind: 'match', criteria: args.join(' '), source, within };
      ctx.doc.blocks.push(block);
      scopes = [...within, block];
    } else if (keyword === 'include') {
      for (const pattern of args) await include(pattern, source, scopes, stack, ctx);
    } else {
      const directive: ConfigDirective = { keyword, name, args, source, scopes };
      ctx.doc.directives.push(directive);
    }
  }
}

/**
 * Longer lines are skipped: no directive needs more (a host name is at most 1025 bytes), and the
 * ssh-config tokeniser takes over 100 ms on a 100 KB line, past the 50 ms each input may take.
 */
const MAX_LINE = 8192;

type Tokenised = { kind: 'directive'; keyword: string; name: string; args: string[] } | { kind: 'unreadable' };

/**
 * One line through the ssh-config parser. Line by line, because its tree keeps no line numbers
 * and one bad line (an open quote) would otherwise lose the whole file.
 */
function tokenise(text: string, source: SourceRef, ctx: ReadContext): Tokenised | null {
  if (text.length > MAX_LINE) {
    ctx.doc.warnings.push(`${where(source, ctx)}: the line is longer than ${MAX_LINE} characters; it is skipped.`);
    return { kind: 'unreadable' };
  }
  let parsed: Line[];
  try {
    parsed = parse(text);
  } catch (error) {
    ctx.doc.warnings.push(`${where(source, ctx)}: cannot read this line (${reason(error)}); it is skipped.`);
    return { kind: 'unreadable' };
  }
  const node = parsed.find((n): n is Directive => n.type === LineType.DIRECTIVE);
  if (node === undefined) return null;
  const args = typeof node.value === 'string' ? [node.value] : node.value.map((v) => v.val);
  if (args.length === 0 || args.every((a) => a === '')) {
    ctx.doc.warnings.push(`${where(source, ctx)}: ${node.param} has no value; the line is skipped.`);
    return { kind: 'unreadable' };
  }
  return { kind: 'directive', keyword: node.param.toLowerCase(), name: node.param, args };
}

async function include(pattern: string, source: SourceRef, scopes: ConfigBlock[], stack: string[], ctx: ReadContext): Promise<void> {
  const at = where(source, ctx);
  if (/^~[^/]/.test(pattern)) {
    ctx.doc.warnings.push(`${at}: Include ${pattern} names another user's home directory; not followed.`);
    return;
  }
  // ssh_config(5): a user config's relative Include is under ~/.ssh.
  const absolute = pattern === '~' || pattern.startsWith('~/') ? path.join(ctx.home, pattern.slice(1)) : path.resolve(ctx.home, '.ssh', pattern);
  const files = hasGlob(absolute) ? await expandGlob(absolute, ctx.fs) : [absolute];
  if (files.length === 0) ctx.doc.warnings.push(`${at}: Include ${pattern} matches no file (ssh skips it too).`);
  for (const file of files) {
    const shownFile = displayPath(file, ctx.home);
    if (stack.includes(file)) {
      const loop = [...stack.slice(stack.indexOf(file)), file].map((f) => displayPath(f, ctx.home)).join(' → ');
      ctx.doc.warnings.push(`${at}: Include loop (${loop}); ${shownFile} is not read again.`);
      continue;
    }
    if (stack.length > MAX_INCLUDE_DEPTH) {
      ctx.doc.warnings.push(`${at}: Includes nest deeper than ${MAX_INCLUDE_DEPTH} files (ssh stops there too); ${shownFile} is not read.`);
      continue;
    }
    if (ctx.filesLeft <= 0) {
      if (ctx.filesLeft === 0) ctx.doc.warnings.push(`${at}: more than ${MAX_INCLUDED_FILES} files are included; ${shownFile} and any further Include are not read.`);
      ctx.filesLeft = -1;
      continue;
    }
    ctx.filesLeft--;
    let text: string;
    try {
      text = await ctx.fs.readFile(file);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      ctx.doc.warnings.push(`${at}: Include ${shownFile}: ${missing ? 'no such file (ssh skips it too)' : `cannot be read (${reason(error)})`}.`);
      continue;
    }
    await readLines(text, file, scopes, [...stack, file], ctx);
  }
}

const hasGlob = (p: string): boolean => /[*?[]/.test(p);

/** glob(3) as ssh uses it: `*`, `?`, `[...]` per path segment, no leading-dot matches, sorted. */
async function expandGlob(pattern: string, fs: SshConfigFs): Promise<string[]> {
  const { root } = path.parse(pattern);
  const segments = pattern.slice(root.length).split(/[\\/]+/).filter((s) => s !== '');
  let current = [root];
  for (const segment of segments) {
    if (!hasGlob(segment)) {
      current = current.map((dir) => path.join(dir, segment));
      continue;
    }
    const matcher = globSegment(segment);
    const next: string[] = [];
    for (const dir of current) {
      let names: string[];
      try {
        names = await fs.readDir(dir);
      } catch {
        continue;
      }
      for (const name of names.filter((n) => matcher.test(n) && (!n.startsWith('.') || segment.startsWith('.'))).sort()) next.push(path.join(dir, name));
    }
    current = next;
  }
  return current;
}

/**
 * One path segment of an Include glob as a matcher: `*`, `?`, `[...]` (`!` or `^` negates, `a-z`
 * ranges), anything else literal. Matched with one backtracking point instead of a regular
 * expression: `*a*a*a*a*a*a*b` as `.*a.*a...` took 3 s against a 60-character file name, and
 * minutes with two more stars. A reversed range (`[z-a]`) matches nothing (as a RegExp it threw).
 */
export function globSegment(segment: string): { test: (name: string) => boolean } {
  const tokens: WildcardToken[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] ?? '';
    const close = c === '[' ? segment.indexOf(']', i + 2) : -1;
    if (c === '*') tokens.push('*');
    else if (c === '?') tokens.push(() => true);
    else if (close >= 0) {
      const body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      const set = negated ? body.slice(1) : body;
      tokens.push((ch) => inClass(set, ch) !== negated);
      i = close;
    } else tokens.push((ch) => ch === c);
  }
  return { test: (name) => matchWildcard(tokens, name) };
}

function inClass(set: string, ch: string): boolean {
  for (let j = 0; j < set.length; j++) {
    if (set[j + 1] === '-' && j + 2 < set.length) {
      if ((set[j] ?? '') <= ch && ch <= (set[j + 2] ?? '')) return true;
      j += 2;
    } else if (set[j] === ch) return true;
  }
  return false;
}

const where = (source: SourceRef, ctx: ReadContext): string => `${displayPath(source.file, ctx.home)}:${source.line}`;

const ERRNO_WORDS: Readonly<Record<string, string>> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a folder' };

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e.code !== undefined ? (ERRNO_WORDS[e.code] ?? e.code) : undefined) ?? e.message ?? String(error);
}

export interface AppliedImport {
  done: { created: string[]; updated: string[]; skipped: string[] };
  error: { name: string; message: string } | null;
}

/**
 * Saves a plan in its order (jump hosts first, so every jump refers to a saved id). The store gives
 * the ids the plan announced; if it does not (the profiles changed meanwhile), the import stops
 * there rather than save jumps that point at the wrong profile.
 */
export async function applyImportPlan(store: ProfileStore, plan: SshImportPlan, describe: (error: StoreError) => string): Promise<AppliedImport> {
  const done: AppliedImport['done'] = { created: [], updated: [], skipped: [] };
  for (const planned of plan.profiles) {
    const name = planned.input.name;
    if (planned.action === 'skip-existing') {
      done.skipped.push(planned.id);
      continue;
    }
    if (planned.action === 'update') {
      const patch = Object.fromEntries(IMPORTED_FIELDS.map((field) => [field, planned.input[field]])) as ProfilePatch;
      const edited = await store.edit(planned.id, patch);
      if (!edited.ok) return { done, error: { name, message: describe(edited.error) } };
      done.updated.push(planned.id);
      continue;
    }
    const added = await store.add(planned.input);
    if (!added.ok) return { done, error: { name, message: describe(added.error) } };
    if (added.value.id !== planned.id) {
      return { done: { ...done, created: [...done.created, added.value.id] }, error: { name, message: `it was saved as "${added.value.id}", not "${planned.id}": the profiles changed during the import; run it again` } };
    }
    done.created.push(planned.id);
  }
  return { done, error: null };
}
