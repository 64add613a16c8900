import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  formatSecretRef,
  parseSecretRef,
  parseSecretsFile,
  SecretStore,
  type CipherStatus,
  type SecretCipher,
  type SecretRef,
  type SecretStoreNotice,
} from '../../../shared/node/store/secret-store';

/** Reversible but not the identity: XOR with a key, behind a marker the decrypter checks. */
const MARKER = Buffer.from('FAKE1');
function fakeCipher(initial: CipherStatus = { ok: true }) {
  const state = { status: initial, key: 0x5a };
  const cipher: SecretCipher = {
    status: () => state.status,
    encrypt: vi.fn((plain: string) => Buffer.concat([MARKER, Buffer.from(plain, 'utf8').map((b) => b ^ state.key)])),
    decrypt: vi.fn((data: Buffer) => {
      if (!data.subarray(0, MARKER.length).equals(MARKER)) throw new Error('not ours');
      // A key that changed (a reset keyring) makes garbage; the marker of a real cipher would fail.
      if (state.key !== 0x5a) throw new Error('wrong key');
      return Buffer.from(data.subarray(MARKER.length).map((b) => b ^ state.key)).toString('utf8');
    }),
  };
  return { cipher, state };
}

const web: SecretRef = { profileId: 'web-01', kind: 'password' };
const webKey: SecretRef = { profileId: 'web-01', kind: 'passphrase' };
const db: SecretRef = { profileId: 'db', kind: 'password' };
const SECRETS = ['correct horse battery staple', 'pässwörd-ünïcode-✓', 'second secret value'];

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'portwise-secrets-'));
  env = { PORTWISE_HOME: path.join(home, 'pw') };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const secretsFile = () => path.join(home, 'pw', 'secrets.json');
const readDoc = async () => JSON.parse(await readFile(secretsFile(), 'utf8')) as { schema: string; version: number; secrets: Record<string, string> };

/** Every file under the test's home, as bytes (to look for plain text anywhere, not only in secrets.json). */
async function allFiles(dir = home): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(full)));
    else out.push({ file: full, bytes: await readFile(full) });
  }
  return out;
}

function expectNoPlaintext(bytes: Buffer, secrets: readonly string[]) {
  for (const secret of secrets) {
    expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    expect(bytes.includes(Buffer.from(secret, 'utf16le'))).toBe(false);
    expect(bytes.toString('utf8')).not.toContain(Buffer.from(secret).toString('base64'));
  }
}

describe('secret references', () => {
  it('formats and parses profile id + kind', () => {
    expect(formatSecretRef(web)).toBe('web-01/password');
    expect(parseSecretRef('web-01/passphrase')).toEqual(webKey);
    for (const bad of ['web-01', 'Web-01/password', '-web/password', 'web/token', '/password', `${'a'.repeat(64)}/password`, 'a/b/password', '__proto__/password']) {
      expect(parseSecretRef(bad)).toBeNull();
    }
  });

  it('refuses a bad reference with a sentence, touching nothing', async () => {
    const store = new SecretStore({ cipher: fakeCipher().cipher, env });
    for (const ref of [{ profileId: '../etc', kind: 'password' }, { profileId: 'web', kind: 'token' }, { profileId: 'Web', kind: 'password' }] as SecretRef[]) {
      const set = await store.set(ref, 'x-secret');
      expect(set).toMatchObject({ ok: false, error: { kind: 'bad-ref' } });
      expect(await store.get(ref)).toMatchObject({ ok: false, error: { kind: 'bad-ref' } });
    }
    await expect(stat(path.join(home, 'pw'))).rejects.toThrow();
  });
});

describe('SecretStore round trip', () => {
  it('saves, reads, checks and deletes; secrets.json holds only tagged ciphertext', async () => {
    const { cipher } = fakeCipher();
    const store = new SecretStore({ cipher, env });
    expect(store.file).toBe(secretsFile());
    expect(await store.has(web)).toEqual({ ok: true, present: false });
    expect(await store.get(web)).toMatchObject({ ok: false, error: { kind: 'not-found', message: 'No password is saved for profile "web-01".' } });

    expect(await store.set(web, SECRETS[0]!)).toEqual({ ok: true });
    expect(await store.set(webKey, SECRETS[1]!)).toEqual({ ok: true });
    expect(await store.set(db, SECRETS[2]!)).toEqual({ ok: true });

    expect(await store.get(web)).toEqual({ ok: true, value: SECRETS[0] });
    expect(await store.get(webKey)).toEqual({ ok: true, value: SECRETS[1] });
    expect(await store.has(db)).toEqual({ ok: true, present: true });

    const doc = await readDoc();
    expect(doc.schema).toBe('portwise.secrets');
    expect(doc.version).toBe(1);
    expect(Object.keys(doc.secrets)).toEqual(['db/password', 'web-01/passphrase', 'web-01/password']);
    for (const value of Object.values(doc.secrets)) expect(value).toMatch(/^v1:[A-Za-z0-9+/]+={0,2}$/);
    expectNoPlaintext(await readFile(secretsFile()), SECRETS);

    // A second store over the same file (the next app start) reads the same values.
    const again = new SecretStore({ cipher, env });
    expect(await again.get(db)).toEqual({ ok: true, value: SECRETS[2] });

    expect(await store.delete(web)).toEqual({ ok: true, deleted: true });
    expect(await store.delete(web)).toEqual({ ok: true, deleted: false });
    expect(await store.has(web)).toEqual({ ok: true, present: false });
    expect(Object.keys((await readDoc()).secrets)).toEqual(['db/password', 'web-01/passphrase']);
  });

  it('deleteProfile removes both kinds of one profile and nothing else', async () => {
    const store = new SecretStore({ cipher: fakeCipher().cipher, env });
    await store.set(web, SECRETS[0]!);
    await store.set(webKey, SECRETS[1]!);
    await store.set(db, SECRETS[2]!);
    expect(await store.deleteProfile('web-01')).toEqual({ ok: true, deleted: 2 });
    expect(await store.deleteProfile('web-01')).toEqual({ ok: true, deleted: 0 });
    expect(await store.deleteProfile('../x')).toMatchObject({ ok: false, error: { kind: 'bad-ref' } });
    expect(Object.keys((await readDoc()).secrets)).toEqual(['db/password']);
  });

  it('writes the file 0600 in a 0700 folder and leaves no temporary file', async () => {
    const store = new SecretStore({ cipher: fakeCipher().cipher, env });
    await store.set(web, SECRETS[0]!);
    await store.set(db, SECRETS[2]!);
    if (process.platform !== 'win32') {
      expect((await stat(secretsFile())).mode & 0o777).toBe(0o600);
      expect((await stat(path.join(home, 'pw'))).mode & 0o777).toBe(0o700);
    }
    expect(await readdir(path.join(home, 'pw'))).toEqual(['secrets.json']);
  });

  it('keeps every entry when saves run at the same time', async () => {
    const store = new SecretStore({ cipher: fakeCipher().cipher, env });
    const refs = Array.from({ length: 12 }, (_, i): SecretRef => ({ profileId: `host-${i}`, kind: i % 2 ? 'password' : 'passphrase' }));
    const results = await Promise.all(refs.map((ref, i) => store.set(ref, `value-number-${i}`)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(Object.keys((await readDoc()).secrets)).toHaveLength(12);
    for (const [i, ref] of refs.entries()) expect(await store.get(ref)).toEqual({ ok: true, value: `value-number-${i}` });
  });

  it('refuses empty and oversized values', async () => {
    const store = new SecretStore({ cipher: fakeCipher().cipher, env });
    expect(await store.set(web, '')).toMatchObject({ ok: false, error: { kind: 'bad-value' } });
    expect(await store.set(web, 'x'.repeat(4097))).toMatchObject({ ok: false, error: { kind: 'bad-value' } });
  });
});

describe('fail closed', () => {
  const reason = 'Passwords are not saved: no system keyring was found (backend "basic_text").';

  it('a cipher that is not ok: set refuses with its reason and writes nothing (not even the folder)', async () => {
    const { cipher } = fakeCipher({ ok: false, reason });
    const store = new SecretStore({ cipher, env });
    expect(store.status()).toEqual({ ok: false, reason });
    const result = await store.set(web, SECRETS[0]!);
    expect(result).toEqual({ ok: false, error: { kind: 'encryption-unavailable', message: `The password was not saved. ${reason}` } });
    expect(cipher.encrypt).not.toHaveBeenCalled();
    await expect(stat(path.join(home, 'pw'))).rejects.toThrow();
  });

  it('a cipher that becomes unavailable: get says so, does not decrypt, and delete still works', async () => {
    const { cipher, state } = fakeCipher();
    const store = new SecretStore({ cipher, env });
    await store.set(web, SECRETS[0]!);
    state.status = { ok: false, reason };
    const got = await store.get(web);
    expect(got).toMatchObject({ ok: false, error: { kind: 'encryption-unavailable' } });
    expect(cipher.decrypt).not.toHaveBeenCalled();
    expect(await store.delete(web)).toEqual({ ok: true, deleted: true });
  });

  it('a status that throws counts as not ok', async () => {
    const { cipher } = fakeCipher();
    cipher.status = () => {
      throw new Error('boom');
    };
    const store = new SecretStore({ cipher, env });
    expect(await store.set(web, SECRETS[0]!)).toMatchObject({ ok: false, error: { kind: 'encryption-unavailable' } });
  });

  it('an encrypt that throws, or a "cipher" that returns its input, writes nothing and never quotes the secret', async () => {
    const throwing = fakeCipher().cipher;
    throwing.encrypt = () => {
      throw new Error(`could not encrypt ${SECRETS[0]}`);
    };
    const r1 = await new SecretStore({ cipher: throwing, env }).set(web, SECRETS[0]!);
    expect(r1).toMatchObject({ ok: false, error: { kind: 'encryption-failed' } });
    expect(JSON.stringify(r1)).not.toContain(SECRETS[0]);

    const identity = fakeCipher().cipher;
    identity.encrypt = (plain) => Buffer.concat([Buffer.from('v10'), Buffer.from(plain)]);
    const r2 = await new SecretStore({ cipher: identity, env }).set(web, SECRETS[0]!);
    expect(r2).toMatchObject({ ok: false, error: { kind: 'encryption-failed' } });
    await expect(stat(path.join(home, 'pw'))).rejects.toThrow();
  });
});

describe('stored values that cannot be opened', () => {
  async function writeDoc(secrets: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    await mkdir(path.join(home, 'pw'), { recursive: true });
    await writeFile(secretsFile(), JSON.stringify({ schema: 'portwise.secrets', version: 1, secrets, ...extra }), { mode: 0o600 });
  }

  it('a v1 value the keyring cannot decrypt is a typed error that suggests deleting it', async () => {
    const { cipher, state } = fakeCipher();
    const store = new SecretStore({ cipher, env });
    await store.set(web, SECRETS[0]!);
    state.key = 0x33; // the keyring was reset
    const got = await store.get(web);
    expect(got).toEqual({
      ok: false,
      error: {
        kind: 'undecryptable',
        message:
          'The saved password for profile "web-01" cannot be decrypted (the system keyring may have been reset, or the file comes from another computer or user). Delete it and enter the password again.',
      },
    });
    expect(await store.delete(web)).toEqual({ ok: true, deleted: true });
  });

  it('a v1 value that is not base64 is undecryptable without calling the cipher', async () => {
    await writeDoc({ 'web-01/password': 'v1:not base64!!', 'web-01/passphrase': 'v1:' });
    const { cipher } = fakeCipher();
    const store = new SecretStore({ cipher, env });
    expect(await store.get(web)).toMatchObject({ ok: false, error: { kind: 'undecryptable' } });
    expect(await store.get(webKey)).toMatchObject({ ok: false, error: { kind: 'undecryptable' } });
    expect(cipher.decrypt).not.toHaveBeenCalled();
  });

  it('an unknown tag or no tag is reported, never decrypted, never quoted, and left in the file', async () => {
    await writeDoc({ 'web-01/password': 'v2:QUJDRA==', 'web-01/passphrase': 'hunter2-plain', 'db/password': 'v1:RkFLRTE=' });
    const { cipher } = fakeCipher();
    const store = new SecretStore({ cipher, env });
    const v2 = await store.get(web);
    expect(v2).toMatchObject({ ok: false, error: { kind: 'unknown-format', tag: 'v2' } });
    expect(!v2.ok && v2.error.message).toContain('format tag "v2"');
    const plain = await store.get(webKey);
    expect(plain).toMatchObject({ ok: false, error: { kind: 'unknown-format', tag: null } });
    expect(JSON.stringify(plain)).not.toContain('hunter2');
    expect(cipher.decrypt).not.toHaveBeenCalled();

    // Saving another entry keeps the unknown ones as they are (a newer build may own them).
    await store.set(db, SECRETS[2]!);
    expect((await readDoc()).secrets).toMatchObject({ 'web-01/password': 'v2:QUJDRA==', 'web-01/passphrase': 'hunter2-plain' });
    // Setting over one replaces it with v1.
    await store.set(web, SECRETS[0]!);
    expect(await store.get(web)).toEqual({ ok: true, value: SECRETS[0] });
  });

  it('keys that are not references are kept untouched', async () => {
    await writeDoc({ 'future-kind/token': 'v9:abc' });
    const store = new SecretStore({ cipher: fakeCipher().cipher, env });
    await store.set(web, SECRETS[0]!);
    expect((await readDoc()).secrets['future-kind/token']).toBe('v9:abc');
  });
});

describe('a damaged or newer secrets.json', () => {
  const at = new Date('2026-11-24T10:00:00.123Z');
  const movedName = 'secrets.json.corrupt-20261124T100000Z';

  it.each([
    ['not JSON', '{"schema": "portwise.secrets", "vers'],
    ['another schema', JSON.stringify({ schema: 'portwise.profiles', version: 1, secrets: {} })],
    ['secrets not an object', JSON.stringify({ schema: 'portwise.secrets', version: 1, secrets: [] })],
    ['an entry not a string', JSON.stringify({ schema: 'portwise.secrets', version: 1, secrets: { 'web-01/password': 42 } })],
    ['no version', JSON.stringify({ schema: 'portwise.secrets', secrets: {} })],
  ])('%s: moved aside (bytes kept), a notice, and the store goes on empty', async (_label, content) => {
    const notices: SecretStoreNotice[] = [];
    const store = new SecretStore({ cipher: fakeCipher().cipher, env, onNotice: (n) => notices.push(n), now: () => at });
    await mkdir(path.join(home, 'pw'), { recursive: true });
    await writeFile(secretsFile(), content);

    expect(await store.get(web)).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'moved-corrupt', file: secretsFile(), movedTo: path.join(home, 'pw', movedName) });
    expect(notices[0]!.message).toMatch(/^The saved secrets file was damaged \(.+\)\. It was moved to .+; passwords saved before will be asked again\.$/);
    expect(await readFile(path.join(home, 'pw', movedName), 'utf8')).toBe(content);

    // The next save starts a fresh file and keeps the moved one.
    expect(await store.set(web, SECRETS[0]!)).toEqual({ ok: true });
    expect((await readdir(path.join(home, 'pw'))).sort()).toEqual(['secrets.json', movedName]);

    // A second damage at the same instant does not overwrite the first copy.
    await writeFile(secretsFile(), 'garbage');
    await store.has(web);
    expect((await readdir(path.join(home, 'pw'))).sort()).toEqual([movedName, `${movedName}-2`]);
    expect(await readFile(path.join(home, 'pw', movedName), 'utf8')).toBe(content);
    expect(notices).toHaveLength(2);
  });

  it('a file from a newer Portwise is left untouched: nothing read, nothing written', async () => {
    await mkdir(path.join(home, 'pw'), { recursive: true });
    const newer = JSON.stringify({ schema: 'portwise.secrets', version: 2, secrets: { 'web-01/password': 'v2:xyz' } });
    await writeFile(secretsFile(), newer);
    const store = new SecretStore({ cipher: fakeCipher().cipher, env });
    expect(await store.get(web)).toMatchObject({ ok: false, error: { kind: 'newer-file', version: 2 } });
    expect(await store.set(web, SECRETS[0]!)).toMatchObject({ ok: false, error: { kind: 'newer-file' } });
    expect(await store.delete(web)).toMatchObject({ ok: false, error: { kind: 'newer-file' } });
    expect(await readFile(secretsFile(), 'utf8')).toBe(newer);
  });

  it('parseSecretsFile classifies', () => {
    expect(parseSecretsFile('{"schema":"portwise.secrets","version":1,"secrets":{"a/password":"v1:QQ=="}}')).toEqual({ kind: 'ok', secrets: new Map([['a/password', 'v1:QQ==']]) });
    expect(parseSecretsFile('{"schema":"portwise.secrets","version":3,"secrets":{}}')).toEqual({ kind: 'newer', version: 3 });
    expect(parseSecretsFile('null')).toMatchObject({ kind: 'corrupt' });
    expect(parseSecretsFile('{"schema":"portwise.secrets","version":1.5,"secrets":{}}')).toMatchObject({ kind: 'corrupt' });
  });
});

describe('no plaintext anywhere', () => {
  it('after saves, reads, a failed decrypt, a corrupt file and deletes, no file under PORTWISE_HOME holds a secret', async () => {
    const notices: SecretStoreNotice[] = [];
    const { cipher, state } = fakeCipher();
    const store = new SecretStore({ cipher, env, onNotice: (n) => notices.push(n) });
    const errors: unknown[] = [];
    const keep = <T extends { ok: boolean }>(r: T): T => {
      if (!r.ok) errors.push(r);
      return r;
    };

    keep(await store.set(web, SECRETS[0]!));
    keep(await store.set(webKey, SECRETS[1]!));
    keep(await store.get(web));
    state.key = 0x11;
    keep(await store.get(webKey));
    state.key = 0x5a;
    // A damaged file with a ciphertext inside is moved aside; still no plain text.
    const damaged = (await readFile(secretsFile(), 'utf8')).slice(0, -5);
    await writeFile(secretsFile(), damaged);
    keep(await store.get(web));
    keep(await store.set(db, SECRETS[2]!));
    state.status = { ok: false, reason: 'no keyring' };
    keep(await store.set(web, SECRETS[0]!));
    keep(await store.get(db));
    keep(await store.delete(db));

    const files = await allFiles();
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const { bytes } of files) expectNoPlaintext(bytes, SECRETS);
    // Nor in any result, error or notice.
    const said = JSON.stringify({ errors, notices });
    for (const secret of SECRETS) expect(said).not.toContain(secret);
    expect(errors.length).toBeGreaterThan(0);
    expect(notices.length).toBe(1);
  });
});
