/**
 * The saved SSH host profiles, in `profiles.json` in Portwise's own folder. The rules (ids, names,
 * jumps, chains) are pure functions over the file's content; the store around them reads, applies
 * one change and writes atomically, one change at a time per file. A user's mistake is a typed
 * result with a sentence for a person, never a throw; a throw means the disk failed.
 */
import { constants } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  PROFILES_FILE_SCHEMA,
  PROFILES_FILE_VERSION,
  Profile,
  ProfileInput,
  ProfilesFile,
  profileSetProblems,
  slugOf,
  uniqueId,
} from '../../common/schema/profile';
import { err, ok, type Result } from '../../common/result';
import { portwiseHome } from '../paths';
import { exclusive, readJsonFile, serialized, writeFileAtomic, type CorruptFileNotice } from './atomic-file';
import { PROFILE_MIGRATIONS, profilesFileOnDisk, type MigrationTable } from './profile-migrations';

/** The fields a person edits, by their schema names (the CLI maps them to flags, the form to inputs). */
export type ProfileField = keyof z.input<typeof ProfileInput>;

export interface ProfileProblem {
  /** The field at fault; null when the problem is the set as a whole. */
  field: ProfileField | null;
  message: string;
}

export type StoreError =
  | { code: 'not-found'; message: string }
  | { code: 'invalid'; message: string; problems: ProfileProblem[] }
  | { code: 'in-use'; message: string; usedBy: string[] }
  | { code: 'read-only'; message: string };

export type StoreNotice =
  | CorruptFileNotice
  | { kind: 'newer-version'; file: string; version: number; message: string }
  | { kind: 'migrated'; file: string; from: number; to: number; backup: string; message: string };

/** What `edit` may change: any editable field; null clears a nullable one. */
export type ProfilePatch = Partial<z.input<typeof ProfileInput>>;

/** More hops than this is a mistake in the profiles, not a network. */
export const MAX_CHAIN_HOPS = 16;

const EDITABLE: readonly ProfileField[] = ['name', 'host', 'port', 'user', 'auth', 'keyPath', 'jumps', 'knownHostsFiles', 'sudo', 'groups', 'tags', 'serviceHint', 'notes'];

export const emptyProfilesFile = (): ProfilesFile => ({ schema: PROFILES_FILE_SCHEMA, version: PROFILES_FILE_VERSION, profiles: [] });

// ---- pure rules ----------------------------------------------------------------------------------

export { slugOf, uniqueId };

/** By id first (ids are what jumps refer to), then by name, ignoring case. */
export function findProfile(profiles: readonly Profile[], ref: string): Profile | undefined {
  const text = ref.trim();
  const lower = text.toLowerCase();
  return profiles.find((p) => p.id === lower) ?? profiles.find((p) => p.name.toLowerCase() === lower);
}

const notFound = (ref: string): StoreError => ({ code: 'not-found', message: `There is no profile "${ref.trim()}".` });

function invalid(problems: ProfileProblem[]): StoreError {
  return { code: 'invalid', message: problems.map((p) => p.message).join(' '), problems };
}

function problemsOf(error: z.ZodError, input: Readonly<Record<string, unknown>>): ProfileProblem[] {
  return error.issues.map((issue) => {
    const key = issue.path[0];
    const field = typeof key === 'string' && (EDITABLE as readonly string[]).includes(key) ? (key as ProfileField) : null;
    // zod's "expected string, received undefined" says less than "needed" to a person.
    const missing = issue.code === 'invalid_type' && field !== null && issue.path.length === 1 && input[field] === undefined;
    return { field, message: missing ? `A ${fieldNoun[field]} is needed.` : issue.message };
  });
}

const fieldNoun: Record<ProfileField, string> = {
  name: 'name',
  host: 'host',
  port: 'port',
  user: 'user name',
  auth: 'authentication method',
  keyPath: 'key file',
  jumps: 'list of jump hosts',
  knownHostsFiles: 'list of known_hosts files',
  sudo: 'sudo policy',
  groups: 'list of groups',
  tags: 'list of tags',
  serviceHint: 'service',
  notes: 'note',
};

/** A jump may be named by id or by name; it is saved by id. An unknown one is left for the set check to name. */
function jumpIds(profiles: readonly Profile[], jumps: readonly string[] | undefined): string[] | undefined {
  return jumps?.map((ref) => findProfile(profiles, ref)?.id ?? ref);
}

/** The set-level rules for a profile about to be saved next to `others`. */
function setProblems(candidate: Profile, others: readonly Profile[]): ProfileProblem[] {
  const clash = others.find((p) => p.name.toLowerCase() === candidate.name.toLowerCase());
  if (clash) return [{ field: 'name', message: `A profile named "${clash.name}" already exists.` }];
  const missing = candidate.jumps.filter((id) => id !== candidate.id && !others.some((p) => p.id === id));
  if (missing.length > 0) return missing.map((id) => ({ field: 'jumps', message: `There is no profile "${id}" to jump through.` }));
  // What is left is about jumps: through itself, or a loop through other profiles.
  return profileSetProblems([...others, candidate]).map((message) => ({ field: 'jumps', message }));
}

/** The final net: the whole file as it would be written. */
function checkedFile(file: ProfilesFile, profiles: Profile[]): Result<ProfilesFile, StoreError> {
  const next = { ...file, profiles };
  const parsed = ProfilesFile.safeParse(next);
  return parsed.success ? ok(parsed.data) : err(invalid(problemsOf(parsed.error, {})));
}

/** `input` is checked here (it may come from a form, flags or an import): a missing field is named. */
export function addProfile(file: ProfilesFile, input: ProfilePatch, now: Date): Result<{ file: ProfilesFile; profile: Profile }, StoreError> {
  const given = { ...input, jumps: jumpIds(file.profiles, input.jumps) };
  const parsed = ProfileInput.safeParse(given);
  if (!parsed.success) return err(invalid(problemsOf(parsed.error, given)));
  const id = uniqueId(parsed.data.name, new Set(file.profiles.map((p) => p.id)));
  const stamp = now.toISOString();
  const profile = Profile.parse({ ...parsed.data, id, secret: 'none', createdAt: stamp, updatedAt: stamp });
  const problems = setProblems(profile, file.profiles);
  if (problems.length > 0) return err(invalid(problems));
  const next = checkedFile(file, [...file.profiles, profile]);
  return next.ok ? ok({ file: next.value, profile }) : next;
}

/** Changes the given fields. The id stays, even when the name changes: other profiles' jumps refer to it. */
export function editProfile(file: ProfilesFile, ref: string, patch: ProfilePatch, now: Date): Result<{ file: ProfilesFile; profile: Profile }, StoreError> {
  const current = findProfile(file.profiles, ref);
  if (!current) return err(notFound(ref));
  const changes = Object.fromEntries(Object.entries(patch).filter(([key, value]) => value !== undefined && (EDITABLE as readonly string[]).includes(key)));
  if ('jumps' in changes) changes.jumps = jumpIds(file.profiles, patch.jumps) ?? [];
  const merged = { ...current, ...changes, updatedAt: now.toISOString() };
  const parsed = Profile.safeParse(merged);
  if (!parsed.success) return err(invalid(problemsOf(parsed.error, merged)));
  const others = file.profiles.filter((p) => p.id !== current.id);
  const problems = setProblems(parsed.data, others);
  if (problems.length > 0) return err(invalid(problems));
  const next = checkedFile(
    file,
    file.profiles.map((p) => (p.id === current.id ? parsed.data : p)),
  );
  return next.ok ? ok({ file: next.value, profile: parsed.data }) : next;
}

/**
 * Records which secret is saved for a profile (the value is in the secret store). Not an edit by a
 * person, so `updatedAt` stays.
 */
export function markSecret(file: ProfilesFile, ref: string, kind: Profile['secret']): Result<{ file: ProfilesFile; profile: Profile }, StoreError> {
  const current = findProfile(file.profiles, ref);
  if (!current) return err(notFound(ref));
  const marked = { ...current, secret: kind };
  return ok({ file: { ...file, profiles: file.profiles.map((p) => (p.id === current.id ? marked : p)) }, profile: marked });
}

/** Refused while another profile jumps through it: removing it would break that profile's chain. */
export function removeProfile(file: ProfilesFile, ref: string): Result<{ file: ProfilesFile; profile: Profile }, StoreError> {
  const current = findProfile(file.profiles, ref);
  if (!current) return err(notFound(ref));
  const users = file.profiles.filter((p) => p.jumps.includes(current.id));
  if (users.length > 0) {
    const names = users.map((p) => `"${p.name}"`);
    return err({
      code: 'in-use',
      usedBy: users.map((p) => p.id),
      message: `"${current.name}" is not removed: ${names.join(', ')} ${users.length === 1 ? 'jumps' : 'jump'} through it. Change ${users.length === 1 ? 'its' : 'their'} jump hosts first.`,
    });
  }
  const next = checkedFile(
    file,
    file.profiles.filter((p) => p.id !== current.id),
  );
  return next.ok ? ok({ file: next.value, profile: current }) : next;
}

/**
 * The hops to reach a profile, in the order they are crossed: each jump's own jumps before it, then
 * the profile itself. A hop met twice is crossed once, where it is first needed.
 */
export function expandChain(profiles: readonly Profile[], ref: string): Result<Profile[], StoreError> {
  const target = findProfile(profiles, ref);
  if (!target) return err(notFound(ref));
  const byId = new Map(profiles.map((p) => [p.id, p]));
  const hops: Profile[] = [];
  const walk = (profile: Profile, trail: readonly string[]): StoreError | null => {
    // A saved file has no loops (ProfilesFile refuses them), but this must not recurse forever if one slips in.
    if (trail.includes(profile.id)) return invalid([{ field: 'jumps', message: `The jump hosts of "${target.name}" loop (${[...trail, profile.id].join(' → ')}).` }]);
    for (const id of profile.jumps) {
      const jump = byId.get(id);
      if (!jump) return invalid([{ field: 'jumps', message: `"${profile.name}" jumps through "${id}", which is not a profile.` }]);
      const problem = walk(jump, [...trail, profile.id]);
      if (problem) return problem;
    }
    if (!hops.some((h) => h.id === profile.id)) hops.push(profile);
    return null;
  };
  const problem = walk(target, []);
  if (problem) return err(problem);
  if (hops.length > MAX_CHAIN_HOPS) return err(invalid([{ field: 'jumps', message: `Reaching "${target.name}" takes ${hops.length} hops; at most ${MAX_CHAIN_HOPS} are supported.` }]));
  return ok(hops);
}

// ---- the store -----------------------------------------------------------------------------------

export interface ProfileStoreOptions {
  /** Where Portwise's folder is (PORTWISE_HOME). */
  env?: NodeJS.ProcessEnv;
  /** The file itself; by default `profiles.json` in Portwise's folder. */
  file?: string;
  now?: () => Date;
  migrations?: MigrationTable;
  /** A file was moved aside, is newer than this build, or was migrated: tell the user. */
  onNotice?: (notice: StoreNotice) => void;
}

export interface ProfileStore {
  readonly file: string;
  list(): Promise<Result<Profile[], StoreError>>;
  get(ref: string): Promise<Result<Profile, StoreError>>;
  add(input: ProfilePatch): Promise<Result<Profile, StoreError>>;
  edit(ref: string, patch: ProfilePatch): Promise<Result<Profile, StoreError>>;
  remove(ref: string): Promise<Result<Profile, StoreError>>;
  chain(ref: string): Promise<Result<Profile[], StoreError>>;
  /** Which secret is saved for it (`none` once forgotten). */
  markSecret(ref: string, kind: Profile['secret']): Promise<Result<Profile, StoreError>>;
}

type Loaded =
  | { kind: 'writable'; file: ProfilesFile; migratedFrom: number | null }
  | { kind: 'read-only'; version: number; profiles: Profile[] | null; message: string };

export const profilesFilePath = (env: NodeJS.ProcessEnv = process.env): string => path.join(portwiseHome(env), 'profiles.json');

export function openProfileStore(options: ProfileStoreOptions = {}): ProfileStore {
  const file = options.file ?? profilesFilePath(options.env);
  const now = options.now ?? (() => new Date());
  const schema = profilesFileOnDisk(options.migrations ?? PROFILE_MIGRATIONS);
  const notify = options.onNotice ?? (() => undefined);
  let toldNewer = false;

  async function load(): Promise<Loaded> {
    const read = await readJsonFile(file, schema, now);
    if (read.status === 'missing') return { kind: 'writable', file: emptyProfilesFile(), migratedFrom: null };
    if (read.status === 'corrupt') {
      notify(read.notice);
      return { kind: 'writable', file: emptyProfilesFile(), migratedFrom: null };
    }
    const decoded = read.value;
    if (decoded.kind === 'current') return { kind: 'writable', file: decoded.file, migratedFrom: decoded.migratedFrom };
    const message = `${file} was written by a newer Portwise (file version ${decoded.version}; this one knows up to ${PROFILES_FILE_VERSION}), so it is read-only here: update Portwise to change profiles.`;
    if (!toldNewer) {
      toldNewer = true;
      notify({ kind: 'newer-version', file, version: decoded.version, message });
    }
    return { kind: 'read-only', version: decoded.version, profiles: decoded.profiles, message };
  }

  async function profilesNow(): Promise<Result<Profile[], StoreError>> {
    const loaded = await load();
    if (loaded.kind === 'writable') return ok(loaded.file.profiles);
    if (loaded.profiles !== null) return ok(loaded.profiles);
    return err({ code: 'read-only', message: `${loaded.message} This version cannot read its profiles either.` });
  }

  /** The file before its first migrated write is kept next to it: a migration must not lose anything. */
  async function keepPremigration(from: number): Promise<void> {
    const backup = `${file}.v${from}.bak`;
    try {
      await copyFile(file, backup, constants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return;
    }
    notify({ kind: 'migrated', file, from, to: PROFILES_FILE_VERSION, backup, message: `${file} was upgraded from version ${from} to ${PROFILES_FILE_VERSION}; the old file is kept as ${backup}.` });
  }

  /** Read, change, write: one at a time per file, so two edits never interleave. */
  function change(apply: (current: ProfilesFile) => Result<{ file: ProfilesFile; profile: Profile }, StoreError>): Promise<Result<Profile, StoreError>> {
    return exclusive(file, async () => {
      const loaded = await load();
      if (loaded.kind === 'read-only') return err({ code: 'read-only', message: loaded.message });
      const applied = apply(loaded.file);
      if (!applied.ok) return applied;
      if (loaded.migratedFrom !== null) await keepPremigration(loaded.migratedFrom);
      await writeFileAtomic(file, `${JSON.stringify(applied.value.file, null, 2)}\n`);
      return ok(applied.value.profile);
    });
  }

  const read = <T>(fn: (profiles: Profile[]) => Result<T, StoreError>): Promise<Result<T, StoreError>> =>
    serialized(file, async () => {
      const profiles = await profilesNow();
      return profiles.ok ? fn(profiles.value) : profiles;
    });

  return {
    file,
    list: () => read((profiles) => ok(profiles)),
    get: (ref) => read((profiles) => {
      const found = findProfile(profiles, ref);
      return found ? ok(found) : err(notFound(ref));
    }),
    chain: (ref) => read((profiles) => expandChain(profiles, ref)),
    add: (input) => change((current) => addProfile(current, input, now())),
    edit: (ref, patch) => change((current) => editProfile(current, ref, patch, now())),
    remove: (ref) => change((current) => removeProfile(current, ref)),
    markSecret: (ref, kind) => change((current) => markSecret(current, ref, kind)),
  };
}
