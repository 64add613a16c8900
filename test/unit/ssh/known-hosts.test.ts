// known_hosts parsing and lookup. Keys, fingerprints (`ssh-keygen -l`) and hashed lines
// (`ssh-keygen -H`) below were produced by OpenSSH 9.2 on Debian 12.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  fingerprintSha256,
  formatKnownHostsLine,
  globMatch,
  keyTypeFromBlob,
  lookupHostKey,
  parseKnownHosts,
  type HmacSha1,
} from '../../../shared/node/ssh/known-hosts';

const A = 'AAAAC3NzaC1lZDI1NTE5AAAAIDdLAhpqZRgBgC3EuZVBLS7ceaoCUnJA51F0t+7QGLAp';
const A_FP = 'SHA256:7r9xojdBL0/SAggnUD/vwco7064v/6lFBUE8xx1vWxg';
const B = 'AAAAC3NzaC1lZDI1NTE5AAAAIFHvV6ADI9lLIu5qAqzCU+A8pW7p9OHEGPWF8RlO7vt0';
const B_FP = 'SHA256:bxPCfrkop0nBqyJVp8naMV/2uEZtK7CR0xsFL1h95L0';
const C = 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFPUbSsjD8SOxllar2LOA7NRYh3quCdlERSGrR7kvAXQguw1FXPlDh0eOdwerCn20hi1fKivaYymKOhjq08ctII=';
const C_FP = 'SHA256:COFuRDP9HO1f5L1rnzKRTPE4sofgdbyHuEBKRDSe5wY';
const blob = (b64: string): Buffer => Buffer.from(b64, 'base64');

// `ssh-keygen -H` of "[db.example.net]:2222 <A>" and "bastion.example.net <B>".
const HASHED = [
  `|1|jyXm9f9VEGxmcxdLtuYVGO4mHwM=|XNYM1Bcz1yd/SfCVd74kMyigbSQ= ssh-ed25519 ${A}`,
  `|1|4F2sRfEXZ+O8M7T9ma8LSAMsPj0=|JZG8BKp2gtglzoWvlavkJc21qJ0= ssh-ed25519 ${B}`,
].join('\n');

describe('fingerprints and key blobs', () => {
  it('prints SHA256 fingerprints exactly as ssh-keygen -l', () => {
    expect(fingerprintSha256(blob(A))).toBe(A_FP);
    expect(fingerprintSha256(blob(B))).toBe(B_FP);
    expect(fingerprintSha256(blob(C))).toBe(C_FP);
  });

  it('reads the key type from the blob, and rejects garbage', () => {
    expect(keyTypeFromBlob(blob(A))).toBe('ssh-ed25519');
    expect(keyTypeFromBlob(blob(C))).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeFromBlob(Buffer.from([0, 0]))).toBeNull();
    expect(keyTypeFromBlob(Buffer.from([0, 0, 0, 200, 1]))).toBeNull();
    expect(keyTypeFromBlob(Buffer.from([0, 0, 0, 0]))).toBeNull();
  });
});

describe('parseKnownHosts', () => {
  it('reads markers, pattern lists, hashed names, comments, CRLF; skips malformed lines with a reason', () => {
    const text = [
      '# a comment',
      '',
      `db.example.net,10.0.0.5 ssh-ed25519 ${A} alice@laptop`,
      `@revoked * ssh-ed25519 ${B}`,
      `@cert-authority *.example.net ssh-ed25519 ${B}`,
      `[db.example.net]:2222 ecdsa-sha2-nistp256 ${C}\r`,
      '@bogus host ssh-ed25519 AAAA',
      'onlyhost',
      `host ssh-rsa ${A}`,
      'host ssh-ed25519 not*base64',
      '|1|abc host-hash-broken ssh-ed25519 AAAA',
      `|1|c2FsdA==|c2hvcnQ= ssh-ed25519 ${A}`,
      'host 2048 35 12345',
      `a,,b ssh-ed25519 ${A}`,
      '   \t  ',
    ].join('\n');
    const parsed = parseKnownHosts(text, '/k');
    expect(parsed.entries.map((e) => [e.line, e.marker, e.keyType, e.comment])).toEqual([
      [3, null, 'ssh-ed25519', 'alice@laptop'],
      [4, 'revoked', 'ssh-ed25519', ''],
      [5, 'cert-authority', 'ssh-ed25519', ''],
      [6, null, 'ecdsa-sha2-nistp256', ''],
    ]);
    expect(parsed.entries[0]?.hosts).toEqual({
      kind: 'patterns',
      patterns: [
        { negated: false, glob: 'db.example.net' },
        { negated: false, glob: '10.0.0.5' },
      ],
    });
    expect(parsed.skipped.map((s) => s.line)).toEqual([7, 8, 9, 10, 11, 12, 13, 14]);
    expect(parsed.skipped.find((s) => s.line === 7)?.reason).toMatch(/unknown marker "@bogus"/);
    expect(parsed.skipped.find((s) => s.line === 9)?.reason).toMatch(/says "ssh-rsa" but the key is "ssh-ed25519"/);
    expect(parsed.unsupported).toEqual([{ file: '/k', line: 5, reason: expect.stringMatching(/cert-authority.*never trusted/) }]);
  });

  it('never throws on arbitrary input', () => {
    for (const text of ['\u0000\u0001', '@revoked', '|1||| ssh-ed25519 ' + A, 'x'.repeat(10_000), '\n\n\r\r', '[[[ ]]] ssh-ed25519 ====']) {
      expect(() => parseKnownHosts(text, '/k')).not.toThrow();
    }
  });
});

describe('globMatch (OpenSSH match_pattern)', () => {
  it.each([
    ['*', 'anything', true],
    ['*.example.net', 'db.example.net', true],
    ['*.example.net', 'example.net', false],
    ['10.0.0.?', '10.0.0.5', true],
    ['10.0.0.?', '10.0.0.50', false],
    ['[db]:*', '[db]:2222', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['', '', true],
  ])('%s ~ %s -> %s', (glob, name, expected) => expect(globMatch(glob, name)).toBe(expected));
});

describe('lookupHostKey', () => {
  const entries = (text: string) => parseKnownHosts(text, '/k').entries;

  it('match: plain name for port 22, [host]:port otherwise, case-insensitive', () => {
    const e = entries(`DB.Example.net ssh-ed25519 ${A}\n[db.example.net]:2222 ssh-ed25519 ${B}`);
    expect(lookupHostKey(e, 'db.example.net', 22, 'ssh-ed25519', blob(A))).toEqual({ status: 'match', file: '/k', line: 1 });
    expect(lookupHostKey(e, 'DB.EXAMPLE.NET', 2222, 'ssh-ed25519', blob(B))).toEqual({ status: 'match', file: '/k', line: 2 });
    // A port-22 entry says nothing about port 2222's key: B on 22 is a changed key.
    expect(lookupHostKey(e, 'db.example.net', 22, 'ssh-ed25519', blob(B))).toEqual({ status: 'changed', known: [{ keyType: 'ssh-ed25519', fingerprint: A_FP, file: '/k', line: 1 }] });
  });

  it('hashed entries from ssh-keygen -H, with node:crypto or an injected HMAC', () => {
    const e = entries(HASHED);
    expect(lookupHostKey(e, 'db.example.net', 2222, 'ssh-ed25519', blob(A))).toEqual({ status: 'match', file: '/k', line: 1 });
    expect(lookupHostKey(e, 'bastion.example.net', 22, 'ssh-ed25519', blob(B))).toEqual({ status: 'match', file: '/k', line: 2 });
    expect(lookupHostKey(e, 'db.example.net', 22, 'ssh-ed25519', blob(A)).status).toBe('unknown');
    const names: string[] = [];
    const spy: HmacSha1 = (_key, data) => (names.push(data), Buffer.alloc(20));
    lookupHostKey(e, 'db.example.net', 2222, 'ssh-ed25519', blob(A), spy);
    expect(names).toEqual(['[db.example.net]:2222', '[db.example.net]:2222']);
  });

  it('negation wins over a positive pattern on the same line; a line of negations alone matches nothing', () => {
    const e = entries(`*.example.net,!db.example.net ssh-ed25519 ${A}\n!other ssh-ed25519 ${A}`);
    expect(lookupHostKey(e, 'web.example.net', 22, 'ssh-ed25519', blob(A)).status).toBe('match');
    expect(lookupHostKey(e, 'db.example.net', 22, 'ssh-ed25519', blob(A)).status).toBe('unknown');
    expect(lookupHostKey(e, 'nothing.else', 22, 'ssh-ed25519', blob(A)).status).toBe('unknown');
  });

  it('revoked wins over match, only for hosts the line matches', () => {
    const e = entries(`db ssh-ed25519 ${A}\n@revoked db,web ssh-ed25519 ${A}`);
    expect(lookupHostKey(e, 'db', 22, 'ssh-ed25519', blob(A))).toEqual({ status: 'revoked', file: '/k', line: 2 });
    expect(lookupHostKey(e, 'mail', 22, 'ssh-ed25519', blob(A)).status).toBe('unknown');
  });

  it('changed lists every known key of the type; other types make it unknown but are reported', () => {
    const e = entries(`db ssh-ed25519 ${A}\ndb ssh-ed25519 ${B}\ndb ecdsa-sha2-nistp256 ${C}`);
    const fresh = Buffer.from(blob(A));
    fresh[fresh.length - 1] = (fresh[fresh.length - 1] as number) ^ 0xff;
    expect(lookupHostKey(e, 'db', 22, 'ssh-ed25519', fresh)).toEqual({
      status: 'changed',
      known: [
        { keyType: 'ssh-ed25519', fingerprint: A_FP, file: '/k', line: 1 },
        { keyType: 'ssh-ed25519', fingerprint: B_FP, file: '/k', line: 2 },
      ],
    });
    const onlyEcdsa = entries(`db ecdsa-sha2-nistp256 ${C}`);
    expect(lookupHostKey(onlyEcdsa, 'db', 22, 'ssh-ed25519', blob(A))).toEqual({
      status: 'unknown',
      otherKeyTypes: [{ keyType: 'ecdsa-sha2-nistp256', fingerprint: C_FP, file: '/k', line: 1 }],
      certAuthorities: [],
    });
  });

  it('@cert-authority is never trusted as a plain key, but is reported', () => {
    const e = entries(`@cert-authority *.example.net ssh-ed25519 ${A}`);
    expect(lookupHostKey(e, 'db.example.net', 22, 'ssh-ed25519', blob(A))).toEqual({ status: 'unknown', otherKeyTypes: [], certAuthorities: [{ file: '/k', line: 1 }] });
  });
});

describe('writing', () => {
  it('formats plain lines: bare host for port 22, [host]:port otherwise; refuses pattern characters', () => {
    expect(formatKnownHostsLine('DB.example.net', 22, 'ssh-ed25519', blob(A))).toBe(`db.example.net ssh-ed25519 ${A}`);
    expect(formatKnownHostsLine('10.0.0.5', 2222, 'ssh-ed25519', blob(A))).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${A}`);
    expect(formatKnownHostsLine('::1', 2222, 'ssh-ed25519', blob(A))).toBe(`[::1]:2222 ssh-ed25519 ${A}`);
    for (const bad of ['', 'a b', 'a,b', '*', 'a?', '!a', '[a]', '#a', 'a\nb']) expect(() => formatKnownHostsLine(bad, 22, 'ssh-ed25519', blob(A))).toThrow();
    // What we write, we read back as a match.
    const line = formatKnownHostsLine('10.0.0.5', 2222, 'ssh-ed25519', blob(A));
    expect(lookupHostKey(parseKnownHosts(line, '/k').entries, '10.0.0.5', 2222, 'ssh-ed25519', blob(A)).status).toBe('match');
  });

  it('appendKnownHost creates the file 0600 (and its folder), appends, and repairs a missing final newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portwise-kh-'));
    try {
      const file = join(dir, 'sub', 'known_hosts');
      await appendKnownHost(file, 'one ssh-ed25519 AAAA');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      await writeFile(file, 'one ssh-ed25519 AAAA\ntwo ssh-ed25519 BBBB');
      await appendKnownHost(file, 'three ssh-ed25519 CCCC');
      expect(await readFile(file, 'utf8')).toBe('one ssh-ed25519 AAAA\ntwo ssh-ed25519 BBBB\nthree ssh-ed25519 CCCC\n');
      await expect(appendKnownHost(file, 'evil\nline')).rejects.toThrow(/newline/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
