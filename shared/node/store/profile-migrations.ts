/**
 * Upgrades a profiles file written by an older Portwise to the version this build writes, one step
 * per version. A file from a NEWER Portwise is never rewritten (this build would drop what it does
 * not know): the store opens it read-only.
 */
import { z } from 'zod';
import { PROFILES_FILE_SCHEMA, PROFILES_FILE_VERSION, Profile, ProfilesFile } from '../../common/schema/profile';
import { describeIssues } from './atomic-file';

type Doc = Record<string, unknown>;

/** Turns a version-n document into a version-n+1 one (the runner sets `version`). Pure; may throw. */
export type MigrationStep = (doc: Doc) => Doc;
/** Keyed by the version a step upgrades FROM. */
export type MigrationTable = Readonly<Partial<Record<number, MigrationStep>>>;

/** Empty: version 1 is the first. Add `1: (doc) => ...` when version 2 changes the format. */
export const PROFILE_MIGRATIONS: MigrationTable = {};

export interface MigrationSpec {
  /** The file's `schema` marker: anything else is not ours. */
  schema: string;
  /** The version this build writes. */
  current: number;
  table: MigrationTable;
}

export type Migrated = { kind: 'current'; doc: Doc; from: number } | { kind: 'newer'; version: number; doc: Doc } | { kind: 'unreadable'; reason: string };

const isDoc = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The runner itself: checks the marker and version, then applies the steps from the file's version up. */
export function runMigrations(raw: unknown, spec: MigrationSpec): Migrated {
  if (!isDoc(raw)) return { kind: 'unreadable', reason: 'not a JSON object' };
  if (raw.schema !== spec.schema) return { kind: 'unreadable', reason: `not a ${spec.schema} file (schema marker ${JSON.stringify(raw.schema ?? null)})` };
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { kind: 'unreadable', reason: `unknown version ${JSON.stringify(version ?? null)}` };
  if (version > spec.current) return { kind: 'newer', version, doc: raw };
  let doc: Doc = raw;
  for (let from = version; from < spec.current; from++) {
    const step = spec.table[from];
    if (step === undefined) return { kind: 'unreadable', reason: `no migration from version ${from} to ${from + 1}` };
    try {
      const next = step(structuredClone(doc));
      if (!isDoc(next)) return { kind: 'unreadable', reason: `the migration from version ${from} gave no object` };
      doc = { ...next, schema: spec.schema, version: from + 1 };
    } catch (error) {
      return { kind: 'unreadable', reason: `the migration from version ${from} failed: ${(error as Error).message}` };
    }
  }
  return { kind: 'current', doc, from: version };
}

export type DecodedProfiles =
  | { kind: 'current'; file: ProfilesFile; migratedFrom: number | null }
  /** Read-only: `profiles` is what this build can make of it (null when even that fails). */
  | { kind: 'newer'; version: number; profiles: Profile[] | null }
  | { kind: 'unreadable'; reason: string };

export function decodeProfilesFile(raw: unknown, table: MigrationTable = PROFILE_MIGRATIONS): DecodedProfiles {
  const migrated = runMigrations(raw, { schema: PROFILES_FILE_SCHEMA, current: PROFILES_FILE_VERSION, table });
  if (migrated.kind === 'unreadable') return migrated;
  if (migrated.kind === 'newer') {
    // Best effort, for list and show: unknown fields are dropped here, which is why it is never written back.
    const profiles = z.array(Profile).safeParse(migrated.doc.profiles);
    return { kind: 'newer', version: migrated.version, profiles: profiles.success ? profiles.data : null };
  }
  const file = ProfilesFile.safeParse(migrated.doc);
  if (!file.success) return { kind: 'unreadable', reason: describeIssues(file.error) };
  return { kind: 'current', file: file.data, migratedFrom: migrated.from === PROFILES_FILE_VERSION ? null : migrated.from };
}

/** The file as read from disk, for `readJsonFile`: an unreadable one fails the schema (and is moved aside). */
export function profilesFileOnDisk(table: MigrationTable = PROFILE_MIGRATIONS): z.ZodType<Exclude<DecodedProfiles, { kind: 'unreadable' }>> {
  return z.unknown().transform((raw, ctx) => {
    const decoded = decodeProfilesFile(raw, table);
    if (decoded.kind === 'unreadable') {
      ctx.addIssue({ code: 'custom', message: decoded.reason });
      return z.NEVER;
    }
    return decoded;
  });
}
