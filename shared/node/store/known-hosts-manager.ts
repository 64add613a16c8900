/**
 * The known-hosts manager behind the UI and the CLI: view every host key Portwise trusts, pin one,
 * re-pin a changed one after a person confirmed both fingerprints, and remove one. It writes only
 * Portwise's own known_hosts file; the user's files (~/.ssh/known_hosts, UserKnownHostsFile) are
 * read, and where they still hold an old key the result says so, with the OpenSSH command to fix it.
 */
import { readFile } from 'node:fs/promises';
import {
  appendKnownHost,
  fingerprintSha256,
  formatKnownHostsLine,
  hostMatches,
  knownHostsName,
  lookupHostKey,
  parseKnownHosts,
  type KnownHostEntry,
  type SkippedLine,
} from '../ssh/known-hosts';
import { exclusive, fsErrorWords, writeFileAtomic } from './atomic-file';
import type { KnownHostView, KnownHostsListing, PresentedKey } from '../../common/schema/known-hosts';

export type { KnownHostView, KnownHostsListing, PresentedKey };

export interface KnownHostsFiles {
  /** Portwise's own file: the only one rewritten (re-pin, remove). */
  own: string;
  /** Read only, but for `alsoWrite`. */
  user: readonly string[];
  /** A newly pinned key is appended here too (~/.ssh/known_hosts, when the person chose so). Never rewritten. */
  alsoWrite?: string | null;
}

export type ManagerResult<T> = { ok: true; value: T } | { ok: false; message: string };

interface Loaded {
  entries: KnownHostEntry[];
  skipped: SkippedLine[];
  missing: string[];
}

async function load(files: KnownHostsFiles): Promise<Loaded> {
  const loaded: Loaded = { entries: [], skipped: [], missing: [] };
  for (const file of [files.own, ...files.user]) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        loaded.missing.push(file);
        continue;
      }
      loaded.skipped.push({ file, line: 0, reason: `cannot be read: ${(error as Error).message}` });
      continue;
    }
    const parsed = parseKnownHosts(text, file);
    loaded.entries.push(...parsed.entries);
    loaded.skipped.push(...parsed.skipped);
  }
  return loaded;
}

function view(entry: KnownHostEntry, own: string): KnownHostView {
  return {
    file: entry.file,
    line: entry.line,
    writable: entry.file === own,
    marker: entry.marker,
    patterns: entry.hosts.kind === 'hashed' ? null : entry.hosts.patterns.map((p) => `${p.negated ? '!' : ''}${p.glob}`),
    keyType: entry.keyType,
    fingerprint: fingerprintSha256(entry.keyBlob),
    comment: entry.comment,
  };
}

/** Every entry of every file, or only those that apply to `host:port` (hashed entries included). */
export async function listKnownHosts(files: KnownHostsFiles, filter?: { host: string; port: number }): Promise<KnownHostsListing> {
  const loaded = await load(files);
  const name = filter ? knownHostsName(filter.host, filter.port) : null;
  const entries = name === null ? loaded.entries : loaded.entries.filter((e) => hostMatches(e.hosts, name));
  return { entries: entries.map((e) => view(e, files.own)), skipped: loaded.skipped, missing: loaded.missing };
}

function blobOf(key: PresentedKey): ManagerResult<Buffer> {
  const blob = Buffer.from(key.key, 'base64');
  if (blob.length === 0 || blob.toString('base64') !== key.key) return { ok: false, message: 'The key is not valid base64.' };
  return { ok: true, value: blob };
}

interface LookedUp {
  blob: Buffer;
  fingerprint: string;
  found: Exclude<ReturnType<typeof lookupHostKey>, { status: 'revoked' }>;
  entries: KnownHostEntry[];
}

/** The key's verdict against every file; a revoked key ends here, whatever the caller wanted. */
async function lookUp(files: KnownHostsFiles, key: PresentedKey): Promise<ManagerResult<LookedUp>> {
  const blob = blobOf(key);
  if (!blob.ok) return blob;
  const { entries } = await load(files);
  const found = lookupHostKey(entries, key.host, key.port, key.keyType, blob.value);
  if (found.status === 'revoked') return { ok: false, message: `This key is revoked in ${found.file} line ${found.line}: it cannot be trusted.` };
  return { ok: true, value: { blob: blob.value, fingerprint: fingerprintSha256(blob.value), found, entries } };
}

/** The OpenSSH command that removes a host's old keys from a user's own file. */
function keygenRemove(key: PresentedKey, file: string): string {
  return `ssh-keygen -R '${knownHostsName(key.host, key.port)}' -f '${file}'`;
}

export interface PinOutcome {
  /** Already trusted: nothing was written. */
  alreadyTrusted: boolean;
  fingerprint: string;
  /** The files the key was written to (Portwise's own first). */
  writtenTo: string[];
}

/**
 * Trusts a key for a host that has none of its type yet (trust on first use, done on purpose). A
 * host whose pinned key differs is refused here: that is a re-pin, which needs both fingerprints
 * confirmed. A revoked key is never pinned.
 */
export function pinHostKey(files: KnownHostsFiles, key: PresentedKey): Promise<ManagerResult<PinOutcome>> {
  return exclusive(files.own, async () => {
    const looked = await lookUp(files, key);
    if (!looked.ok) return looked;
    const { blob, fingerprint, found } = looked.value;
    if (found.status === 'match') return { ok: true, value: { alreadyTrusted: true, fingerprint, writtenTo: [] } };
    if (found.status === 'changed') {
      return { ok: false, message: `${knownHostsName(key.host, key.port)} already has a different ${key.keyType} key on record (${found.known.map((k) => k.fingerprint).join(', ')}): re-pin it instead, after checking the new fingerprint.` };
    }
    const line = formatKnownHostsLine(key.host, key.port, key.keyType, blob);
    await rewriteOwn(files.own, (lines) => [...lines, line]);
    const writtenTo = [files.own];
    if (files.alsoWrite) {
      try {
        await appendKnownHost(files.alsoWrite, line);
        writtenTo.push(files.alsoWrite);
      } catch (error) {
        return { ok: false, message: `The key was pinned in ${files.own}, but could not be added to ${files.alsoWrite}: ${fsErrorWords(error)}.` };
      }
    }
    return { ok: true, value: { alreadyTrusted: false, fingerprint, writtenTo } };
  });
}

export interface RepinOutcome {
  fingerprint: string;
  /** Own-file lines that held the old key and were removed. */
  removed: number;
  /** Old keys still in the user's own files, which Portwise does not write, with the command to drop them. */
  staleElsewhere: { file: string; line: number; fingerprint: string; command: string }[];
}

/**
 * Replaces a host's pinned key with the one it presents now. The person saw the old and the new
 * fingerprints and confirmed them: the call carries the old fingerprints they saw, and is refused
 * when the keys on record are not exactly those any more (someone else changed the file meanwhile).
 */
export function repinHostKey(files: KnownHostsFiles, key: PresentedKey, confirmedOld: readonly string[]): Promise<ManagerResult<RepinOutcome>> {
  return exclusive(files.own, async () => {
    const looked = await lookUp(files, key);
    if (!looked.ok) return looked;
    const { blob, fingerprint, found, entries } = looked.value;
    if (found.status !== 'changed') return { ok: false, message: found.status === 'match' ? 'This key is already trusted: there is nothing to re-pin.' : 'No other key is on record for this host: pin it instead.' };
    const onRecord = [...new Set(found.known.map((k) => k.fingerprint))].sort();
    const confirmed = [...new Set(confirmedOld)].sort();
    if (onRecord.join('\n') !== confirmed.join('\n')) {
      return { ok: false, message: `The keys on record changed since you confirmed (now ${onRecord.join(', ')}): look again before re-pinning.` };
    }
    const name = knownHostsName(key.host, key.port);
    const stale = entries.filter((e) => e.marker === null && e.keyType === key.keyType && !e.keyBlob.equals(blob) && hostMatches(e.hosts, name));
    const ownLines = new Set(stale.filter((e) => e.file === files.own).map((e) => e.line));
    const line = formatKnownHostsLine(key.host, key.port, key.keyType, blob);
    await rewriteOwn(files.own, (lines) => [...lines.filter((_, i) => !ownLines.has(i + 1)), line]);
    const staleElsewhere = stale
      .filter((e) => e.file !== files.own)
      .map((e) => ({ file: e.file, line: e.line, fingerprint: fingerprintSha256(e.keyBlob), command: keygenRemove(key, e.file) }));
    return { ok: true, value: { fingerprint, removed: ownLines.size, staleElsewhere } };
  });
}

/**
 * Removes one entry of Portwise's own file. The caller names the line and the fingerprint it showed,
 * so a line that moved (the file changed since it was listed) is never removed by mistake.
 */
export function removeHostKey(files: KnownHostsFiles, entry: { file: string; line: number; fingerprint: string }): Promise<ManagerResult<{ removed: KnownHostView }>> {
  return exclusive(files.own, async () => {
    if (entry.file !== files.own) return { ok: false, message: `${entry.file} is not Portwise's own file: it is only read. Remove the key there with ssh-keygen -R.` };
    const { entries } = await load({ own: files.own, user: [] });
    const target = entries.find((e) => e.line === entry.line);
    if (!target || fingerprintSha256(target.keyBlob) !== entry.fingerprint) {
      return { ok: false, message: `Line ${entry.line} of ${entry.file} no longer holds ${entry.fingerprint}: list the keys again.` };
    }
    await rewriteOwn(files.own, (lines) => lines.filter((_, i) => i + 1 !== entry.line));
    return { ok: true, value: { removed: view(target, files.own) } };
  });
}

/** Rewrites the own file line by line (numbers stay those `parseKnownHosts` reported), atomically. */
async function rewriteOwn(file: string, change: (lines: string[]) => string[]): Promise<void> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const next = change(lines);
  await writeFileAtomic(file, next.length === 0 ? '' : `${next.join('\n')}\n`);
}
