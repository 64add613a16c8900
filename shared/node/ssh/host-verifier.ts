/**
 * ssh2's `hostVerifier` for one hop. ssh2 accepts ANY host key unless this is set, so every hop gets
 * one. Outcomes follow OpenSSH: match -> accept; revoked -> refuse; changed -> refuse, always, without
 * asking; unknown -> the policy (ask / accept-new / refuse). A key accepted on first use is written
 * to Portwise's own known-hosts file only; the user's files are read, never written.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { SshError, type KnownKeyRef } from './errors';
import {
  appendKnownHost,
  fingerprintSha256,
  formatKnownHostsLine,
  keyTypeFromBlob,
  lookupHostKey,
  nodeHmacSha1,
  parseKnownHosts,
  type HmacSha1,
  type KnownHostEntry,
} from './known-hosts';
import type { HopLabel, PromptPort } from './prompt';

export type HostKeyPolicy = 'ask' | 'accept-new' | 'refuse';

interface KeySeen {
  keyType: string;
  fingerprint: string;
}

export type HostKeyOutcome =
  | (KeySeen & { kind: 'match'; file: string; line: number })
  | (KeySeen & { kind: 'accepted-new'; savedTo: string; saveError: string | null })
  | (KeySeen & { kind: 'revoked'; file: string; line: number })
  /** `key`: the presented key (base64), so a person can re-pin it on purpose after checking it. */
  | (KeySeen & { kind: 'changed'; known: KnownKeyRef[]; key: string })
  /** `key` too: a connection test reports it, and the person may pin it. */
  | (KeySeen & { kind: 'unknown'; otherKeyTypes: KnownKeyRef[]; key: string })
  | (KeySeen & { kind: 'rejected' })
  | (KeySeen & { kind: 'prompt-failed'; message: string })
  | { kind: 'malformed-key'; message: string };

export interface HostVerifierOptions {
  hop: HopLabel;
  /** Known-hosts files read for lookup (the user's, e.g. ~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts). Read-only. */
  knownHostsFiles: readonly string[];
  /** Portwise's own file: read for lookup, and where a newly trusted key is written. */
  ownKnownHostsFile: string;
  /**
   * Also append a newly trusted key here (the person chose to have OpenSSH trust it too:
   * ~/.ssh/known_hosts). Only ever appended to.
   */
  alsoWriteTo?: string | null;
  policy: HostKeyPolicy;
  prompt: PromptPort;
  /** True once the connection attempt is over (timeout, cancel): a late answer must not touch it. */
  isClosed?: () => boolean;
  readFile?: (path: string) => Promise<string>;
  hmac?: HmacSha1;
}

export interface HostVerifierHandle {
  hostVerifier: (key: Buffer, verify: (accept: boolean) => void) => void;
  /** What happened, once the verifier has answered; null before. */
  outcome(): HostKeyOutcome | null;
  /** Files that could not be read (other than missing ones) and malformed lines, for the report. */
  notes: string[];
}

export async function loadKnownHosts(
  files: readonly string[],
  readFile: (path: string) => Promise<string> = (p) => fsReadFile(p, 'utf8'),
): Promise<{ entries: KnownHostEntry[]; notes: string[] }> {
  const entries: KnownHostEntry[] = [];
  const notes: string[] = [];
  for (const file of [...new Set(files)]) {
    let text: string;
    try {
      text = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') notes.push(`${file}: cannot read (${code ?? (error as Error).message})`);
      continue;
    }
    const parsed = parseKnownHosts(text, file);
    entries.push(...parsed.entries);
    for (const s of [...parsed.skipped, ...parsed.unsupported]) notes.push(`${s.file}:${s.line}: ${s.reason}`);
  }
  return { entries, notes };
}

export function createHostVerifier(options: HostVerifierOptions): HostVerifierHandle {
  const { hop } = options;
  let result: HostKeyOutcome | null = null;
  const notes: string[] = [];

  const decide = async (key: Buffer): Promise<boolean> => {
    const keyType = keyTypeFromBlob(key);
    if (keyType === null) {
      result = { kind: 'malformed-key', message: 'the server sent a malformed host key' };
      return false;
    }
    const fingerprint = fingerprintSha256(key);
    const loaded = await loadKnownHosts([...options.knownHostsFiles, options.ownKnownHostsFile], options.readFile);
    notes.push(...loaded.notes);
    const found = lookupHostKey(loaded.entries, hop.host, hop.port, keyType, key, options.hmac ?? nodeHmacSha1);
    switch (found.status) {
      case 'match':
        result = { kind: 'match', keyType, fingerprint, file: found.file, line: found.line };
        return true;
      case 'revoked':
        result = { kind: 'revoked', keyType, fingerprint, file: found.file, line: found.line };
        return false;
      case 'changed':
        result = { kind: 'changed', keyType, fingerprint, known: found.known, key: key.toString('base64') };
        return false;
      case 'unknown':
        break;
    }
    let accept: boolean;
    if (options.policy === 'refuse') accept = false;
    else if (options.policy === 'accept-new') accept = true;
    else {
      try {
        const writesTo = [options.ownKnownHostsFile, ...(options.alsoWriteTo ? [options.alsoWriteTo] : [])];
        accept = (await options.prompt.confirmHostKey({ hop, keyType, fingerprint, status: 'unknown', writesTo })) === true;
      } catch (error) {
        result = { kind: 'prompt-failed', keyType, fingerprint, message: (error as Error).message };
        return false;
      }
      if (!accept) {
        result = { kind: 'rejected', keyType, fingerprint };
        return false;
      }
    }
    if (!accept) {
      result = { kind: 'unknown', keyType, fingerprint, otherKeyTypes: found.otherKeyTypes, key: key.toString('base64') };
      return false;
    }
    // The answer may come after the attempt ended (timeout, cancel): then nothing is pinned.
    if (options.isClosed?.()) {
      result = { kind: 'rejected', keyType, fingerprint };
      return false;
    }
    let saveError: string | null = null;
    const line = formatKnownHostsLine(hop.host, hop.port, keyType, key);
    for (const file of [options.ownKnownHostsFile, ...(options.alsoWriteTo ? [options.alsoWriteTo] : [])]) {
      try {
        await appendKnownHost(file, line);
      } catch (error) {
        // The user trusted the key for this session; failing to pin it is reported, not fatal.
        saveError = [saveError, `${file}: ${(error as Error).message}`].filter(Boolean).join('; ');
      }
    }
    result = { kind: 'accepted-new', keyType, fingerprint, savedTo: options.ownKnownHostsFile, saveError };
    return true;
  };

  const hostVerifier = (key: Buffer, verify: (accept: boolean) => void): void => {
    decide(key).then(
      (accept) => {
        if (!options.isClosed?.()) verify(accept);
      },
      (error: unknown) => {
        result = { kind: 'malformed-key', message: `host key check failed: ${(error as Error).message}` };
        if (!options.isClosed?.()) verify(false);
      },
    );
  };

  return { hostVerifier, outcome: () => result, notes };
}

/** The SshError for an outcome that refused the key; null when the key was accepted. */
export function hostKeyError(outcome: HostKeyOutcome, hop: HopLabel): SshError | null {
  if (outcome.kind === 'match' || outcome.kind === 'accepted-new') return null;
  if (outcome.kind === 'malformed-key') return new SshError('protocol', hop, outcome.message);
  const presented = { keyType: outcome.keyType, fingerprint: outcome.fingerprint, ...(outcome.kind === 'changed' || outcome.kind === 'unknown' ? { key: outcome.key } : {}) };
  const shown = `${outcome.keyType} ${outcome.fingerprint}`;
  switch (outcome.kind) {
    case 'changed': {
      const pinned = outcome.known.map((k) => `${k.fingerprint} (${k.file} line ${k.line})`).join(', ');
      return new SshError(
        'host-key-changed',
        hop,
        `the host key has CHANGED. The server presented ${shown}, but the known key is ${pinned}. ` +
          'Someone may be intercepting the connection, or the host was reinstalled. Portwise refuses to connect; ' +
          'check the new fingerprint with the host owner, then remove the old entry to trust it.',
        { presented, known: outcome.known, detail: 'known_hosts lookup: changed' },
      );
    }
    case 'revoked':
      return new SshError('host-key-revoked', hop, `the host key ${shown} is marked @revoked in ${outcome.file} line ${outcome.line}; Portwise refuses to connect.`, {
        presented,
        known: [{ keyType: outcome.keyType, fingerprint: outcome.fingerprint, file: outcome.file, line: outcome.line }],
      });
    case 'unknown': {
      const others = outcome.otherKeyTypes.length > 0 ? ` (known keys of other types: ${outcome.otherKeyTypes.map((k) => `${k.keyType} ${k.fingerprint}`).join(', ')})` : '';
      return new SshError('host-key-unknown', hop, `the host key ${shown} is not known${others}, and the policy is to refuse unknown keys. Verify the fingerprint and trust it explicitly.`, {
        presented,
        known: outcome.otherKeyTypes,
      });
    }
    case 'rejected':
      return new SshError('host-key-rejected', hop, `the host key ${shown} was not trusted.`, { presented });
    case 'prompt-failed':
      return new SshError('cancelled', hop, `could not ask whether to trust the host key ${shown}.`, { presented, detail: outcome.message });
  }
}
