import { z } from 'zod';
import { parseSshDestination } from './ssh-destination';

/**
 * A saved SSH host profile: how to reach one server (or jump host) the admin supports. It never
 * holds a secret: a password or passphrase lives in the secret store, and the profile only says
 * whether one is saved (`secret`).
 */

export const PROFILES_FILE_SCHEMA = 'portwise.profiles';
/** The version this build writes; older files are migrated on read (store/profile-migrations.ts). */
export const PROFILES_FILE_VERSION = 1;

/** Lowercase words and dashes: safe in file names, URLs and CLI arguments, never read as an option. */
export const ProfileId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'An id is 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit.');
export type ProfileId = z.infer<typeof ProfileId>;

export const AuthMethod = z.enum(['agent', 'key', 'password', 'keyboard-interactive']);
export type AuthMethod = z.infer<typeof AuthMethod>;

/** `never`: run only what the login user may; `sudo-n`: retry root-only reads with `sudo -n` (never a password). */
export const SudoPolicy = z.enum(['never', 'sudo-n']);
export type SudoPolicy = z.infer<typeof SudoPolicy>;

/** Which secret, if any, is saved for this profile (the value itself is in the secret store). */
export const SecretKind = z.enum(['none', 'password', 'passphrase']);

const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;
const LABEL = /^[\p{L}\p{N}][\p{L}\p{N} _.:/-]{0,39}$/u;

const host = z
  .string()
  .trim()
  .min(1, 'A host is needed.')
  // "[2001:db8::1]", as typed or as saved by an older build, is kept bare: with its brackets it
  // reached ssh and known_hosts, where it names no host and its key could never be pinned. Stripped
  // rather than refused, so that a file holding one still loads.
  .transform((value) => (value.startsWith('[') && value.endsWith(']') && value.includes(':') ? value.slice(1, -1) : value))
  .superRefine((value, ctx) => {
    // The same rules as --ssh: a name or an address, nothing that could be read as an option.
    if (value.startsWith('[')) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a host name or an IP address.` });
      return;
    }
    const parsed = parseSshDestination(value.includes(':') ? `[${value}]` : value);
    if (!parsed.ok || parsed.value.port !== 22 || parsed.value.user !== null) ctx.addIssue({ code: 'custom', message: `"${value}" is not a host name or an IP address.` });
  });

/** A path to a file (a private key, a known_hosts file): absolute or under `~/`; one line, no NUL. */
const keyPath = z
  .string()
  .trim()
  .max(4096)
  .regex(/^(\/|~\/)[^\0\n\r]*$/, 'A file path starts with / or ~/ and is one line.');

const label = z.string().trim().regex(LABEL, 'A group or tag is up to 40 letters, digits, spaces and _ . : / -, starting with a letter or digit.');

/** The fields a person edits (the form, the CLI's add/edit, an import). */
const editable = {
    name: z.string().trim().min(1, 'A profile needs a name.').max(100, 'A name is at most 100 characters.'),
    host,
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().trim().regex(USER, 'A user name is letters, digits, _ . - (up to 32), starting with a letter or _.'),
    auth: AuthMethod.default('agent'),
    keyPath: keyPath.nullable().default(null),
    /** Jump hosts by profile id, in the order they are crossed (the first is reached directly). */
    jumps: z.array(ProfileId).max(8, 'At most 8 jump hosts.').default([]),
    /** Extra known_hosts files to trust for this server (ssh_config's UserKnownHostsFile); read, never written. */
    knownHostsFiles: z.array(keyPath).max(8).default([]),
    sudo: SudoPolicy.default('never'),
    groups: z.array(label).max(20).default([]),
    tags: z.array(label).max(50).default([]),
    /** The service usually diagnosed on this server (`postgresql`, a unit name...). */
    serviceHint: z.string().trim().max(200).nullable().default(null),
    notes: z.string().max(10_000).default(''),
};

function checkEditable(p: { auth: AuthMethod; keyPath: string | null; jumps: string[] }, ctx: z.RefinementCtx): void {
  if (p.auth === 'key' && !p.keyPath) ctx.addIssue({ code: 'custom', path: ['keyPath'], message: 'Key authentication needs the path of the key file.' });
  if (new Set(p.jumps).size !== p.jumps.length) ctx.addIssue({ code: 'custom', path: ['jumps'], message: 'A jump host appears twice in the chain.' });
}

export const ProfileInput = z.object(editable).superRefine(checkEditable);
export type ProfileInput = z.input<typeof ProfileInput>;

/** A change to some of those fields (the form sends all of them, an edit may send a few); the store checks the result. */
export const ProfilePatch = z.object(editable).partial().strict();
export type ProfilePatch = z.input<typeof ProfilePatch>;

export const Profile = z
  .object({
    id: ProfileId,
    ...editable,
    secret: SecretKind.default('none'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .superRefine(checkEditable);
export type Profile = z.infer<typeof Profile>;

/** The file on disk, as this build writes it. */
export const ProfilesFile = z
  .object({
    schema: z.literal(PROFILES_FILE_SCHEMA),
    version: z.literal(PROFILES_FILE_VERSION),
    profiles: z.array(Profile),
  })
  .superRefine((file, ctx) => {
    for (const problem of profileSetProblems(file.profiles)) ctx.addIssue({ code: 'custom', path: ['profiles'], message: problem });
  });
export type ProfilesFile = z.infer<typeof ProfilesFile>;

/** The id a name gets: lowercase ASCII words joined by dashes ("Prod DB (EU)" -> "prod-db-eu"). */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 56) // room for a "-NNNNNN" suffix within the id's 63 characters
    .replace(/-+$/, '');
  // A name with no Latin letters or digits at all still needs an id.
  return slug === '' ? 'profile' : slug;
}

/** The slug, or the slug with -2, -3... when it is taken: what the store and an import plan both give. */
export function uniqueId(name: string, taken: ReadonlySet<string>): string {
  const base = slugOf(name);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** What makes a set of profiles inconsistent: duplicate ids or names, jumps to nothing, cycles. */
export function profileSetProblems(profiles: readonly Pick<Profile, 'id' | 'name' | 'jumps'>[]): string[] {
  const problems: string[] = [];
  const byId = new Map(profiles.map((p) => [p.id, p]));
  if (byId.size !== profiles.length) problems.push('Two profiles have the same id.');
  const names = profiles.map((p) => p.name.toLowerCase());
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) problems.push(`Two profiles are named "${twice}".`);
  for (const p of profiles) {
    for (const jump of p.jumps) {
      if (jump === p.id) problems.push(`"${p.name}" uses itself as a jump host.`);
      else if (!byId.has(jump)) problems.push(`"${p.name}" jumps through "${jump}", which is not a profile.`);
    }
    const cycle = jumpCycle(p.id, byId);
    if (cycle) problems.push(`"${p.name}": its jump hosts loop (${cycle.join(' → ')}).`);
  }
  return [...new Set(problems)];
}

/** A jump profile may have jumps of its own: the chain is walked depth first, and a loop is named. */
function jumpCycle(start: string, byId: ReadonlyMap<string, Pick<Profile, 'id' | 'jumps'>>): string[] | null {
  const walk = (id: string, trail: string[]): string[] | null => {
    if (trail.includes(id)) return [...trail.slice(trail.indexOf(id)), id];
    const profile = byId.get(id);
    if (!profile) return null;
    for (const next of profile.jumps) {
      if (next === id) continue;
      const found = walk(next, [...trail, id]);
      if (found) return found;
    }
    return null;
  };
  return walk(start, []);
}
