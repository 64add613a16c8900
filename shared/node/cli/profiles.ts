/**
 * `portwise profiles ...` and `diagnose --profile`: the saved SSH host profiles, on the command line.
 * The store decides what is valid; this module turns its answers into lines and exit outcomes.
 */
import path from 'node:path';
import type { Profile } from '../../common/schema/profile';
import { shown } from '../../common/schema/target';
import { err, ok, type Result } from '../../common/result';
import type { SshAccess } from '../remote/access';
import { accessForChain } from '../remote/profile-access';
import { expandChain, openProfileStore, type ProfileField, type ProfilePatch, type ProfileStore, type StoreError, type StoreNotice } from '../store/profile-store';
import { SecretStore, unavailableCipher } from '../store/secret-store';
import type { ProfileAccessOptions, ProfilesAction } from './args';
import { renderImportPreview } from '../../common/ssh-config/import-preview';
import { applyImportPlan, planImportForStore } from '../store/ssh-config-import';

/** main.ts maps these to its exit codes: a user's mistake is "usage" (2). */
export type ProfilesOutcome = 'ok' | 'usage' | 'failed';

export interface ProfilesIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Relative --key and --known-hosts paths are taken from here (profiles store absolute paths). */
  cwd?: string;
}

/** The flag a schema field came from, so a problem names what the user typed. */
const FLAG: Record<ProfileField, string> = {
  name: '--name',
  host: '--host',
  port: '--port',
  user: '--user',
  auth: '--auth',
  keyPath: '--key',
  jumps: '--jump',
  knownHostsFiles: '--known-hosts',
  sudo: '--sudo',
  groups: '--group',
  tags: '--tag',
  serviceHint: '--service',
  notes: '--notes',
};

/** A notice from the store (a file moved aside, a newer file): always on stderr, never in --json output. */
export const noticeLine = (notice: StoreNotice): string => `portwise: ${notice.message}\n`;

function storeErrorLines(error: StoreError): string[] {
  if (error.code === 'invalid') return error.problems.map((p) => (p.field === null ? p.message : `${FLAG[p.field]}: ${p.message}`));
  if (error.code === 'not-found') return [`${error.message} "portwise profiles list" shows the saved ones.`];
  return [error.message];
}

function report(io: ProfilesIo, error: StoreError): ProfilesOutcome {
  for (const line of storeErrorLines(error)) io.stderr.write(`portwise: ${shown(line, 400)}\n`);
  return error.code === 'read-only' ? 'failed' : 'usage';
}

export const hostPort = (p: Pick<Profile, 'user' | 'host' | 'port'>): string => `${p.user}@${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;

/** Relative paths are relative to where the command runs; `~/` stays, and is expanded at login. */
function withAbsolutePaths(fields: ProfilePatch, cwd: string): ProfilePatch {
  const absolute = (p: string): string => (p.startsWith('~/') || path.isAbsolute(p) ? p : path.resolve(cwd, p));
  return {
    ...fields,
    ...(typeof fields.keyPath === 'string' ? { keyPath: absolute(fields.keyPath) } : {}),
    ...(fields.knownHostsFiles ? { knownHostsFiles: fields.knownHostsFiles.map(absolute) } : {}),
  };
}

const lower = (s: string): string => s.toLowerCase();

/** Every given group and tag must be on the profile; the text may be in any field a person would search. */
export function matchesFilter(p: Profile, filter: { search: string | null; groups: readonly string[]; tags: readonly string[] }): boolean {
  const has = (values: readonly string[], wanted: string) => values.some((v) => lower(v) === lower(wanted.trim()));
  if (!filter.groups.every((g) => has(p.groups, g)) || !filter.tags.every((t) => has(p.tags, t))) return false;
  if (filter.search === null) return true;
  const needle = lower(filter.search);
  return [p.id, p.name, p.host, p.user, p.serviceHint ?? '', p.notes, ...p.groups, ...p.tags].some((field) => lower(field).includes(needle));
}

function via(profiles: readonly Profile[], p: Profile): string {
  const chain = expandChain(profiles, p.id);
  const jumps = chain.ok ? chain.value.slice(0, -1).map((h) => h.name) : p.jumps;
  return jumps.length === 0 ? '-' : jumps.join(' → ');
}

export function formatProfileList(profiles: readonly Profile[], all: readonly Profile[] = profiles): string {
  const rows = profiles.map((p) => [p.name, hostPort(p), via(all, p), [...p.groups, ...p.tags.map((t) => `#${t}`)].join(' ') || '-'].map((cell) => shown(cell, 60)));
  const header = ['NAME', 'SERVER', 'VIA', 'GROUPS #TAGS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`;
  return [line(header), ...rows.map(line)].join('');
}

export function formatProfile(p: Profile, chain: readonly Profile[] | null): string {
  const row = (label: string, value: string) => `${`${label}:`.padEnd(13)}${value}\n`;
  const auth = p.keyPath ? `${p.auth} (key ${shown(p.keyPath, 300)})` : p.auth;
  const hops = chain ? chain.map((h) => `${hostPort(h)} (${shown(h.name, 60)})`).join(' → ') : '(cannot be expanded)';
  const notes = p.notes === '' ? '' : `Notes:\n${p.notes.split('\n').map((l) => `  ${shown(l, 400)}\n`).join('')}`;
  return [
    row('Name', `${shown(p.name)} (id ${p.id})`),
    row('Server', hostPort(p)),
    row('Auth', auth),
    row('Secret', p.secret === 'none' ? 'none saved' : `a ${p.secret} is saved in the secret store`),
    row('Jump hosts', p.jumps.length === 0 ? '-' : p.jumps.join(', ')),
    row('Chain', hops),
    row('Sudo', p.sudo === 'sudo-n' ? 'root-only reads are retried with sudo -n' : 'never'),
    row('Service', p.serviceHint === null ? '-' : shown(p.serviceHint)),
    row('Groups', p.groups.map((g) => shown(g)).join(', ') || '-'),
    row('Tags', p.tags.map((t) => shown(t)).join(', ') || '-'),
    ...(p.knownHostsFiles.length > 0 ? [row('Known hosts', p.knownHostsFiles.map((f) => shown(f, 300)).join(', '))] : []),
    row('Created', p.createdAt),
    row('Updated', p.updatedAt),
    notes,
  ].join('');
}

const json = (io: ProfilesIo, value: unknown): void => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
const chainSummary = (chain: readonly Profile[]) => chain.map((h) => ({ id: h.id, name: h.name, user: h.user, host: h.host, port: h.port, auth: h.auth }));

interface Context {
  io: ProfilesIo;
  store: ProfileStore;
  json: boolean;
}

type Handler<V extends ProfilesAction['verb']> = (action: Extract<ProfilesAction, { verb: V }>, ctx: Context) => Promise<ProfilesOutcome>;

/** One handler per subcommand (args.ts has the matching parsers). */
const handlers: { [V in ProfilesAction['verb']]: Handler<V> } = {
  list: async (action, { io, store, json: asJson }) => {
    const all = await store.list();
    if (!all.ok) return report(io, all.error);
    const shownProfiles = all.value.filter((p) => matchesFilter(p, action));
    if (asJson) json(io, { profiles: shownProfiles });
    else if (all.value.length === 0) io.stdout.write('No profiles yet. Add one: portwise profiles add --name NAME --host HOST --user USER\n');
    else if (shownProfiles.length === 0) io.stdout.write(`None of the ${all.value.length} profile(s) match.\n`);
    else io.stdout.write(formatProfileList(shownProfiles, all.value));
    return 'ok';
  },
  show: async (action, { io, store, json: asJson }) => {
    const found = await store.get(action.ref);
    if (!found.ok) return report(io, found.error);
    const chain = await store.chain(found.value.id);
    if (asJson) json(io, { profile: found.value, chain: chain.ok ? chainSummary(chain.value) : null });
    else io.stdout.write(formatProfile(found.value, chain.ok ? chain.value : null));
    return 'ok';
  },
  add: async (action, { io, store, json: asJson }) => {
    const added = await store.add(withAbsolutePaths(action.fields, io.cwd ?? process.cwd()));
    if (!added.ok) return report(io, added.error);
    if (asJson) json(io, { profile: added.value });
    else io.stdout.write(`Added "${shown(added.value.name)}" (id ${added.value.id}): ${hostPort(added.value)}.\n`);
    return 'ok';
  },
  edit: async (action, { io, store, json: asJson }) => {
    const edited = await store.edit(action.ref, withAbsolutePaths(action.fields, io.cwd ?? process.cwd()));
    if (!edited.ok) return report(io, edited.error);
    if (asJson) json(io, { profile: edited.value });
    else io.stdout.write(`Saved "${shown(edited.value.name)}" (id ${edited.value.id}): ${hostPort(edited.value)}.\n`);
    return 'ok';
  },
  'import-ssh-config': async (action, { io, store, json: asJson }) => {
    const file = action.file ? path.resolve(io.cwd ?? process.cwd(), action.file) : null;
    const planned = await planImportForStore(store, io.env, { file, update: action.update });
    if (!planned.ok) {
      if (planned.error.kind === 'store') return report(io, planned.error.error);
      io.stderr.write(`portwise: ${planned.error.error.message}\n`);
      return 'usage';
    }
    const plan = planned.value;
    if (!action.save) {
      if (asJson) json(io, { plan, saved: null });
      else io.stdout.write(`${renderImportPreview(plan)}\nNothing was saved: run again with --yes to save these profiles.\n`);
      return 'ok';
    }
    const applied = await applyImportPlan(store, plan, (error) => storeErrorLines(error).join(' '));
    if (asJson) json(io, { plan, saved: applied.done });
    else io.stdout.write(`${renderImportPreview(plan)}\nSaved: ${applied.done.created.length} created, ${applied.done.updated.length} updated, ${applied.done.skipped.length} skipped.\n`);
    if (applied.error) {
      io.stderr.write(`portwise: the import stopped at "${shown(applied.error.name)}": ${applied.error.message} (what is listed as saved above was saved).\n`);
      return 'failed';
    }
    return 'ok';
  },
  remove: async (action, { io, store, json: asJson }) => {
    const removed = await store.remove(action.ref);
    if (!removed.ok) return report(io, removed.error);
    // The app's saved password or passphrase goes with the profile; deleting needs no keyring.
    const secrets = new SecretStore({ cipher: unavailableCipher('The command line never saves secrets.'), env: io.env, onNotice: (notice) => io.stderr.write(`portwise: ${notice.message}\n`) });
    const forgotten = await secrets.deleteProfile(removed.value.id);
    if (asJson) json(io, { removed: removed.value, secretsDeleted: forgotten.ok ? forgotten.deleted : null });
    else io.stdout.write(`Removed "${shown(removed.value.name)}" (id ${removed.value.id})${forgotten.ok && forgotten.deleted > 0 ? ', and its saved secrets' : ''}.\n`);
    if (!forgotten.ok) {
      io.stderr.write(`portwise: ${forgotten.error.message} The profile's saved secrets may remain.\n`);
      return 'failed';
    }
    return 'ok';
  },
};

function openStore(io: ProfilesIo): ProfileStore {
  return openProfileStore({ env: io.env, onNotice: (notice) => io.stderr.write(noticeLine(notice)) });
}

/** A disk failure (permissions, a full disk) is not the user's typing: say which file, and fail. */
function diskFailure(io: ProfilesIo, store: ProfileStore, error: unknown): ProfilesOutcome {
  io.stderr.write(`portwise: cannot use ${store.file}: ${shown((error as Error).message ?? String(error), 300)}\n`);
  return 'failed';
}

export async function runProfiles(action: ProfilesAction, asJson: boolean, io: ProfilesIo): Promise<ProfilesOutcome> {
  const store = openStore(io);
  const ctx: Context = { io, store, json: asJson };
  try {
    return await (handlers[action.verb] as Handler<ProfilesAction['verb']>)(action, ctx);
  } catch (error) {
    return diskFailure(io, store, error);
  }
}

export interface ProfileRemote {
  access: SshAccess;
  /** The profile's service hint (the caller's --service wins over it). */
  serviceHint: string | null;
  profile: Profile;
}

/** For `diagnose --profile`: the saved chain as SSH access, or the lines to print (exit 2, or 1 for a disk failure). */
export async function profileRemote(options: ProfileAccessOptions, io: ProfilesIo): Promise<Result<ProfileRemote, ProfilesOutcome>> {
  const store = openStore(io);
  try {
    const chain = await store.chain(options.ref);
    if (!chain.ok) return err(report(io, chain.error));
    const profile = chain.value[chain.value.length - 1] as Profile;
    const access = accessForChain(chain.value, { knownHostsFiles: options.knownHostsFiles, hostKeyPolicy: options.acceptNewHostKey ? 'accept-new' : 'refuse', sudo: options.sudo }, io.env);
    return ok({ access, serviceHint: profile.serviceHint, profile });
  } catch (error) {
    return err(diskFailure(io, store, error));
  }
}
