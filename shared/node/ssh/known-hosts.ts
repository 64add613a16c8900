/**
 * OpenSSH known_hosts: a parser that never throws, a lookup with OpenSSH's four answers, and a
 * writer for Portwise's own file. Format: sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"; matching follows
 * OpenSSH's hostfile.c / match.c (case-insensitive globs, negation wins, hashed names are one entry).
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KnownKeyRef } from './errors';
import { globMatches as globMatch } from '../../common/ssh-config/host-patterns';
import { exclusive } from '../store/atomic-file';

/** HMAC-SHA1(key = salt, data = host name): injectable so the parser stays a pure function. */
export type HmacSha1 = (key: Buffer, data: string) => Buffer;

export const nodeHmacSha1: HmacSha1 = (key, data) => createHmac('sha1', key).update(data).digest();

export type HostMatcher =
  | { kind: 'hashed'; salt: Buffer; hash: Buffer }
  | { kind: 'patterns'; patterns: { negated: boolean; glob: string }[] };

export interface KnownHostEntry {
  file: string;
  /** 1-based line number. */
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  hosts: HostMatcher;
  keyType: string;
  keyBlob: Buffer;
  comment: string;
}

export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

export interface ParsedKnownHosts {
  entries: KnownHostEntry[];
  /** Malformed lines, with why. */
  skipped: SkippedLine[];
  /** Lines understood but not used to trust anything (@cert-authority: certificates are not supported). */
  unsupported: SkippedLine[];
}

export type HostKeyLookup =
  | { status: 'match'; file: string; line: number }
  | {
      status: 'unknown';
      /** Keys of OTHER types on file for this host: OpenSSH still calls the host unknown, but a person should know. */
      otherKeyTypes: KnownKeyRef[];
      /** @cert-authority lines matching this host: never trusted as plain keys. */
      certAuthorities: { file: string; line: number }[];
    }
  | { status: 'changed'; known: KnownKeyRef[] }
  | { status: 'revoked'; file: string; line: number };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `SHA256:` + unpadded base64 of sha256(blob), exactly as `ssh-keygen -l` and ssh print it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type inside a public key blob (the SSH string at offset 0), or null when the blob is malformed. */
export function keyTypeFromBlob(keyBlob: Buffer): string | null {
  if (keyBlob.length < 4) return null;
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) return null;
  const type = keyBlob.toString('latin1', 4, 4 + len);
  return /^[\x21-\x7e]+$/.test(type) ? type : null;
}

function decodeBase64(text: string): Buffer | null {
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) return null;
  return Buffer.from(text, 'base64');
}

function parseHosts(field: string): HostMatcher | string {
  if (field.startsWith('|')) {
    const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(field);
    if (m === null) return `hashed host name is not "|1|salt|hash"`;
    const salt = decodeBase64(m[1] as string);
    const hash = decodeBase64(m[2] as string);
    if (salt === null || hash === null) return 'hashed host name has invalid base64';
    if (hash.length !== 20) return `hashed host name has a ${hash.length}-byte hash (HMAC-SHA1 is 20)`;
    return { kind: 'hashed', salt, hash };
  }
  const patterns: { negated: boolean; glob: string }[] = [];
  for (const raw of field.split(',')) {
    const negated = raw.startsWith('!');
    const glob = (negated ? raw.slice(1) : raw).toLowerCase();
    if (glob === '') return `empty host pattern in "${field}"`;
    patterns.push({ negated, glob });
  }
  return { kind: 'patterns', patterns };
}

/** Parses known_hosts text. Never throws: malformed lines land in `skipped` with a reason. */
export function parseKnownHosts(text: string, file: string): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const skipped: SkippedLine[] = [];
  const unsupported: SkippedLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const trimmed = (lines[i] as string).replace(/\r$/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const skip = (reason: string): void => void skipped.push({ file, line: lineNo, reason });
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'] = null;
    if ((fields[0] as string).startsWith('@')) {
      const m = fields.shift() as string;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        skip(`unknown marker "${m}"`);
        continue;
      }
    }
    const [hostField, keyType, b64, ...rest] = fields;
    if (hostField === undefined || keyType === undefined || b64 === undefined) {
      skip('expected "[marker] hosts keytype base64-key [comment]"');
      continue;
    }
    if (/^\d+$/.test(keyType)) {
      skip('SSH-1 RSA key (bits exponent modulus) is not supported');
      continue;
    }
    const hosts = parseHosts(hostField);
    if (typeof hosts === 'string') {
      skip(hosts);
      continue;
    }
    const keyBlob = decodeBase64(b64);
    if (keyBlob === null) {
      skip('key is not valid base64');
      continue;
    }
    const blobType = keyTypeFromBlob(keyBlob);
    if (blobType === null) {
      skip('key blob is malformed');
      continue;
    }
    if (blobType !== keyType) {
      skip(`key type field says "${keyType}" but the key is "${blobType}"`);
      continue;
    }
    const entry: KnownHostEntry = { file, line: lineNo, marker, hosts, keyType, keyBlob, comment: rest.join(' ') };
    entries.push(entry);
    if (marker === 'cert-authority') {
      unsupported.push({ file, line: lineNo, reason: '@cert-authority: host certificates are not supported; this line is never trusted as a plain key' });
    }
  }
  return { entries, skipped, unsupported };
}

/** OpenSSH's glob (`*` any run, `?` one character, the whole name), shared with the ssh_config import. */
export { globMatch };

/** The name OpenSSH looks up: `host` for port 22, `[host]:port` otherwise; lower case. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

export function hostMatches(hosts: HostMatcher, name: string, hmac: HmacSha1 = nodeHmacSha1): boolean {
  if (hosts.kind === 'hashed') return hmac(hosts.salt, name).equals(hosts.hash);
  let positive = false;
  for (const p of hosts.patterns) {
    if (!globMatch(p.glob, name)) continue;
    if (p.negated) return false;
    positive = true;
  }
  return positive;
}

const ref = (e: KnownHostEntry): KnownKeyRef => ({ keyType: e.keyType, fingerprint: fingerprintSha256(e.keyBlob), file: e.file, line: e.line });

/**
 * OpenSSH's verdict for a presented host key. Revoked wins over match; changed means the host has
 * keys of this type on file and none is equal; a host with keys of other types only is unknown.
 */
export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
  hmac: HmacSha1 = nodeHmacSha1,
): HostKeyLookup {
  const name = knownHostsName(host, port);
  const forHost = entries.filter((e) => hostMatches(e.hosts, name, hmac));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.keyBlob.equals(keyBlob));
  if (revoked) return { status: 'revoked', file: revoked.file, line: revoked.line };
  const plain = forHost.filter((e) => e.marker === null);
  const match = plain.find((e) => e.keyType === keyType && e.keyBlob.equals(keyBlob));
  if (match) return { status: 'match', file: match.file, line: match.line };
  const sameType = plain.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) return { status: 'changed', known: sameType.map(ref) };
  return {
    status: 'unknown',
    otherKeyTypes: plain.map(ref),
    certAuthorities: forHost.filter((e) => e.marker === 'cert-authority').map((e) => ({ file: e.file, line: e.line })),
  };
}

// Characters that would change the meaning of a known_hosts host field.
const UNSAFE_HOST = /[\s,#*?!|[\]@]/;

/** One plain (unhashed) known_hosts line, without a newline: `host type b64` or `[host]:port type b64`. */
export function formatKnownHostsLine(host: string, port: number, keyType: string, keyBlob: Buffer): string {
  if (host === '' || UNSAFE_HOST.test(host)) throw new Error(`Refusing to write a known_hosts line for host ${JSON.stringify(host)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Invalid port ${port}`);
  if (!/^[\x21-\x7e]+$/.test(keyType)) throw new Error(`Invalid key type ${JSON.stringify(keyType)}`);
  return `${knownHostsName(host, port)} ${keyType} ${keyBlob.toString('base64')}`;
}

/**
 * Appends one line to a known_hosts file the caller owns (Portwise's own, never ~/.ssh): creates it
 * (and its folder) private to the user, and writes the line with a single O_APPEND write, adding a
 * newline first when the file does not end with one.
 */
export async function appendKnownHost(file: string, line: string): Promise<void> {
  if (line.includes('\n') || line.includes('\r')) throw new Error('A known_hosts line must not contain a newline');
  // In turn with the known-hosts manager's rewrites of the same file, so neither loses the other's line.
  return exclusive(file, () => appendLine(file, line));
}

async function appendLine(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.write(`${prefix}${line}\n`);
  } finally {
    await handle.close();
  }
}
