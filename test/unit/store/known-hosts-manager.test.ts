import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendKnownHost } from '../../../shared/node/ssh/known-hosts';
import { listKnownHosts, pinHostKey, removeHostKey, repinHostKey, type KnownHostsFiles, type PresentedKey } from '../../../shared/node/store/known-hosts-manager';

let dir: string;
let files: KnownHostsFiles;

/** A real ed25519 host key from ssh-keygen: its type, base64 blob and the fingerprint ssh-keygen prints. */
function hostKey(name: string): { keyType: string; key: string; fingerprint: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  const [keyType, key] = execFileSync('cat', [`${path}.pub`], { encoding: 'utf8' }).trim().split(' ') as [string, string];
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { keyType, key, fingerprint };
}

const presented = (host: string, port: number, k: { keyType: string; key: string }): PresentedKey => ({ host, port, keyType: k.keyType, key: k.key });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-known-hosts-'));
  files = { own: join(dir, 'portwise', 'known_hosts'), user: [join(dir, 'user_known_hosts')] };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('known-hosts manager', () => {
  it('lists entries of every file, names hashed ones as such, and finds a hashed entry for its host', async () => {
    const a = hostKey('a');
    const b = hostKey('b');
    await writeFile(files.user[0]!, `db.example.com ${a.keyType} ${a.key}\n[bastion.example.com]:2222 ${b.keyType} ${b.key}\n`);
    // OpenSSH's own hashing, in place.
    execFileSync('ssh-keygen', ['-H', '-f', files.user[0]!], { stdio: 'ignore' });
    const all = await listKnownHosts(files);
    expect(all.entries).toHaveLength(2);
    expect(all.entries.every((e) => e.patterns === null && !e.writable)).toBe(true);
    expect(all.missing).toEqual([files.own]);
    const forBastion = await listKnownHosts(files, { host: 'bastion.example.com', port: 2222 });
    expect(forBastion.entries.map((e) => e.fingerprint)).toEqual([b.fingerprint]);
    expect((await listKnownHosts(files, { host: 'bastion.example.com', port: 22 })).entries).toEqual([]);
  });

  it('pins a new key in its own file only, and pinning it again writes nothing', async () => {
    const a = hostKey('a');
    const first = await pinHostKey(files, presented('db.example.com', 22, a));
    expect(first).toEqual({ ok: true, value: { alreadyTrusted: false, fingerprint: a.fingerprint, writtenTo: [files.own] } });
    expect(await readFile(files.own, 'utf8')).toBe(`db.example.com ${a.keyType} ${a.key}\n`);
    const again = await pinHostKey(files, presented('db.example.com', 22, a));
    expect(again).toEqual({ ok: true, value: { alreadyTrusted: true, fingerprint: a.fingerprint, writtenTo: [] } });
    expect((await readFile(files.own, 'utf8')).split('\n')).toHaveLength(2);
    const listed = await listKnownHosts(files, { host: 'db.example.com', port: 22 });
    expect(listed.entries).toMatchObject([{ writable: true, patterns: ['db.example.com'], fingerprint: a.fingerprint }]);
  });

  it('with "also OpenSSH\'s file" chosen, a pin is appended there too, and a re-pin or removal never touches it', async () => {
    const a = hostKey('a');
    const b = hostKey('b');
    const openSsh = files.user[0] as string;
    const both = { ...files, alsoWrite: openSsh };
    const pinned = await pinHostKey(both, presented('db.example.com', 22, a));
    expect(pinned).toEqual({ ok: true, value: { alreadyTrusted: false, fingerprint: a.fingerprint, writtenTo: [files.own, openSsh] } });
    expect(await readFile(openSsh, 'utf8')).toContain(`db.example.com ${a.keyType} ${a.key}\n`);
    const before = await readFile(openSsh, 'utf8');

    const repinned = await repinHostKey(both, presented('db.example.com', 22, b), [a.fingerprint, a.fingerprint]);
    expect(repinned).toMatchObject({ ok: true });
    const own = await listKnownHosts(both, { host: 'db.example.com', port: 22 });
    expect(own.entries.filter((e) => e.writable).map((e) => e.fingerprint)).toEqual([b.fingerprint]);
    expect(await readFile(openSsh, 'utf8')).toBe(before);
  });

  it('refuses to pin over a different key: that is a re-pin', async () => {
    const a = hostKey('a');
    const b = hostKey('b');
    await pinHostKey(files, presented('db.example.com', 22, a));
    const pinned = await pinHostKey(files, presented('db.example.com', 22, b));
    expect(pinned.ok).toBe(false);
    expect(!pinned.ok && pinned.message).toContain(`already has a different ${a.keyType} key on record (${a.fingerprint})`);
  });

  it('re-pins only with the old fingerprints the person confirmed, and names old keys left in the user file', async () => {
    const a = hostKey('a');
    const b = hostKey('b');
    await pinHostKey(files, presented('db.example.com', 22, a));
    await writeFile(files.user[0]!, `db.example.com ${a.keyType} ${a.key}\nother.example.com ${b.keyType} ${b.key}\n`);
    const userBefore = await readFile(files.user[0]!, 'utf8');

    const stale = await repinHostKey(files, presented('db.example.com', 22, b), ['SHA256:not-what-is-on-record']);
    expect(stale.ok).toBe(false);
    expect(!stale.ok && stale.message).toContain('changed since you confirmed');

    const done = await repinHostKey(files, presented('db.example.com', 22, b), [a.fingerprint]);
    expect(done).toEqual({
      ok: true,
      value: {
        fingerprint: b.fingerprint,
        removed: 1,
        staleElsewhere: [{ file: files.user[0], line: 1, fingerprint: a.fingerprint, command: `ssh-keygen -R 'db.example.com' -f '${files.user[0]}'` }],
      },
    });
    expect(await readFile(files.own, 'utf8')).toBe(`db.example.com ${b.keyType} ${b.key}\n`);
    // The user's file is never written.
    expect(await readFile(files.user[0]!, 'utf8')).toBe(userBefore);
    // The new key now matches, even with the old one still in the user's file.
    expect(await pinHostKey(files, presented('db.example.com', 22, b))).toMatchObject({ ok: true, value: { alreadyTrusted: true } });
  });

  it('never pins or re-pins a revoked key', async () => {
    const a = hostKey('a');
    const b = hostKey('b');
    await writeFile(files.user[0]!, `db.example.com ${a.keyType} ${a.key}\n@revoked * ${b.keyType} ${b.key}\n`);
    const pinned = await pinHostKey(files, presented('db.example.com', 22, b));
    expect(!pinned.ok && pinned.message).toBe(`This key is revoked in ${files.user[0]} line 2: it cannot be trusted.`);
    const repinned = await repinHostKey(files, presented('db.example.com', 22, b), [a.fingerprint]);
    expect(repinned.ok).toBe(false);
  });

  it('removes an own-file entry by line and fingerprint; a moved line or a user file is refused', async () => {
    const a = hostKey('a');
    const b = hostKey('b');
    await pinHostKey(files, presented('db.example.com', 22, a));
    await pinHostKey(files, presented('cache.example.com', 6380, b));
    const wrong = await removeHostKey(files, { file: files.own, line: 1, fingerprint: b.fingerprint });
    expect(!wrong.ok && wrong.message).toContain('no longer holds');
    const user = await removeHostKey(files, { file: files.user[0]!, line: 1, fingerprint: a.fingerprint });
    expect(!user.ok && user.message).toContain('is only read');
    const removed = await removeHostKey(files, { file: files.own, line: 1, fingerprint: a.fingerprint });
    expect(removed).toMatchObject({ ok: true, value: { removed: { fingerprint: a.fingerprint, patterns: ['db.example.com'] } } });
    expect(await readFile(files.own, 'utf8')).toBe(`[cache.example.com]:6380 ${b.keyType} ${b.key}\n`);
  });

  it('concurrent pins of different hosts all land (writes are serialized)', async () => {
    const keys = ['k1', 'k2', 'k3', 'k4'].map(hostKey);
    const results = await Promise.all(keys.map((k, i) => pinHostKey(files, presented(`h${i}.example.com`, 22, k))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await listKnownHosts(files)).entries.map((e) => e.patterns?.[0]).sort()).toEqual(['h0.example.com', 'h1.example.com', 'h2.example.com', 'h3.example.com']);
  });

  it('a key trusted during a login (appended) and one pinned by the manager at the same time both land', async () => {
    const keys = ['k1', 'k2', 'k3', 'k4'].map(hostKey);
    await Promise.all(
      keys.map((k, i) =>
        i % 2 === 0
          ? appendKnownHost(files.own, `h${i}.example.com ${k.keyType} ${k.key}`)
          : pinHostKey(files, presented(`h${i}.example.com`, 22, k)),
      ),
    );
    expect((await listKnownHosts(files)).entries.map((e) => e.patterns?.[0]).sort()).toEqual(['h0.example.com', 'h1.example.com', 'h2.example.com', 'h3.example.com']);
  });

  it('rejects a key that is not base64', async () => {
    const result = await pinHostKey(files, { host: 'db.example.com', port: 22, keyType: 'ssh-ed25519', key: 'not base64!' });
    expect(result).toEqual({ ok: false, message: 'The key is not valid base64.' });
  });
});
