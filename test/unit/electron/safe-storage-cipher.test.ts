import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { SafeStorageLike } from '../../../electron/main/safe-storage-cipher';

// The adapter imports only Electron's types: loading the real module (impossible in plain Node)
// would be a bug, so the boundary mock fails loudly if anything reaches for it.
vi.mock('electron', () => {
  throw new Error('safe-storage-cipher must not load electron at run time; safeStorage is injected');
});

const { createSafeStorageCipher, safeStorageStatus } = await import('../../../electron/main/safe-storage-cipher');
const { SecretStore } = await import('../../../shared/node/store/secret-store');

type Backend = ReturnType<NonNullable<SafeStorageLike['getSelectedStorageBackend']>>;

/**
 * A fake safeStorage that behaves like Electron 45's: on Linux the backend is only chosen once
 * `isEncryptionAvailable` has run (before that it reports "unknown"); encryption is a reversible
 * XOR behind Chromium's "v11" prefix.
 */
function fakeSafeStorage(opts: { available: boolean; backend?: Backend; linux?: boolean }) {
  let chosen = false;
  const calls: string[] = [];
  const api: SafeStorageLike = {
    isEncryptionAvailable: vi.fn(() => {
      calls.push('isEncryptionAvailable');
      chosen = true;
      return opts.available;
    }),
    encryptString: vi.fn((plain: string) => {
      calls.push('encryptString');
      return Buffer.concat([Buffer.from('v11'), Buffer.from(plain, 'utf8').map((b) => b ^ 0x42)]);
    }),
    decryptString: vi.fn((data: Buffer) => {
      calls.push('decryptString');
      if (!data.subarray(0, 3).equals(Buffer.from('v11'))) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(data.subarray(3).map((b) => b ^ 0x42)).toString('utf8');
    }),
  };
  if (opts.linux !== false) {
    api.getSelectedStorageBackend = vi.fn(() => {
      calls.push('getSelectedStorageBackend');
      return chosen ? (opts.backend ?? 'gnome_libsecret') : 'unknown';
    });
  }
  return { api, calls };
}

describe('safeStorageStatus on Linux', () => {
  it.each<Backend>(['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'])('%s with encryption available: ok', (backend) => {
    const { api, calls } = fakeSafeStorage({ available: true, backend });
    expect(safeStorageStatus(api, 'linux')).toEqual({ ok: true });
    // The backend is read after isEncryptionAvailable (which is what selects it in Electron).
    expect(calls).toEqual(['isEncryptionAvailable', 'getSelectedStorageBackend']);
  });

  it('basic_text is refused, even though Electron says encryption is "available"', () => {
    const { api } = fakeSafeStorage({ available: true, backend: 'basic_text' });
    const status = safeStorageStatus(api, 'linux');
    expect(status.ok).toBe(false);
    expect(!status.ok && status.reason).toMatch(/basic_text/);
    expect(!status.ok && status.reason).toMatch(/gnome-keyring/);
    expect(!status.ok && status.reason).toMatch(/KWallet/);
    expect(!status.ok && status.reason).toMatch(/Secret Service/);
  });

  it('unknown is refused, naming what to install and the --password-store switch', () => {
    const { api } = fakeSafeStorage({ available: true, backend: 'unknown' });
    const status = safeStorageStatus(api, 'linux');
    expect(status).toMatchObject({ ok: false });
    expect(!status.ok && status.reason).toMatch(/backend "unknown".*gnome-keyring.*--password-store=gnome-libsecret/s);
  });

  it('a backend name this build does not know is refused (fail closed)', () => {
    const { api } = fakeSafeStorage({ available: true, backend: 'portal_secret' as Backend });
    expect(safeStorageStatus(api, 'linux')).toMatchObject({ ok: false, reason: expect.stringContaining('"portal_secret"') });
  });

  it('a real keyring that is not available (locked, not running) is refused', () => {
    const { api } = fakeSafeStorage({ available: false, backend: 'gnome_libsecret' });
    expect(safeStorageStatus(api, 'linux')).toMatchObject({ ok: false, reason: expect.stringMatching(/gnome_libsecret.*not available/) });
  });

  it('no getSelectedStorageBackend at all, or one that throws, counts as unknown', () => {
    const { api } = fakeSafeStorage({ available: true, linux: false });
    expect(safeStorageStatus(api, 'linux')).toMatchObject({ ok: false, reason: expect.stringContaining('"unknown"') });
    const throwing = fakeSafeStorage({ available: true }).api;
    throwing.getSelectedStorageBackend = () => {
      throw new Error('not ready');
    };
    expect(safeStorageStatus(throwing, 'linux')).toMatchObject({ ok: false });
  });

  it('an isEncryptionAvailable that throws counts as unavailable', () => {
    const { api } = fakeSafeStorage({ available: true });
    api.isEncryptionAvailable = () => {
      throw new Error('safeStorage cannot be used before app is ready');
    };
    expect(safeStorageStatus(api, 'linux')).toMatchObject({ ok: false });
  });
});

describe('safeStorageStatus on macOS and Windows', () => {
  it.each<NodeJS.Platform>(['darwin', 'win32'])('%s: only isEncryptionAvailable is asked, never getSelectedStorageBackend', (platform) => {
    const ok = fakeSafeStorage({ available: true, backend: 'basic_text' });
    expect(safeStorageStatus(ok.api, platform)).toEqual({ ok: true });
    expect(ok.api.getSelectedStorageBackend).not.toHaveBeenCalled();

    const no = fakeSafeStorage({ available: false });
    expect(safeStorageStatus(no.api, platform)).toMatchObject({ ok: false, reason: expect.stringMatching(platform === 'darwin' ? /Keychain/ : /DPAPI/) });
    expect(no.api.getSelectedStorageBackend).not.toHaveBeenCalled();
  });

  it('another platform is refused', () => {
    const { api } = fakeSafeStorage({ available: true });
    expect(safeStorageStatus(api, 'freebsd')).toMatchObject({ ok: false, reason: expect.stringContaining('freebsd') });
  });
});

describe('createSafeStorageCipher', () => {
  it('encrypts and decrypts through safeStorage when the status is ok', () => {
    const { api } = fakeSafeStorage({ available: true, backend: 'kwallet6' });
    const cipher = createSafeStorageCipher(api, 'linux');
    expect(cipher.status()).toEqual({ ok: true });
    const sealed = cipher.encrypt('s3cret-Ünïcode');
    expect(sealed.includes(Buffer.from('s3cret'))).toBe(false);
    expect(cipher.decrypt(sealed)).toBe('s3cret-Ünïcode');
  });

  it('refuses to encrypt or decrypt at all on basic_text (even if a caller skips status)', () => {
    const { api } = fakeSafeStorage({ available: true, backend: 'basic_text' });
    const cipher = createSafeStorageCipher(api, 'linux');
    expect(() => cipher.encrypt('pw')).toThrow(/basic_text/);
    expect(() => cipher.decrypt(Buffer.from('v11xx'))).toThrow(/basic_text/);
    expect(api.encryptString).not.toHaveBeenCalled();
    expect(api.decryptString).not.toHaveBeenCalled();
  });

  it('behind a SecretStore: basic_text means nothing saved, with the reason', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'portwise-safe-storage-'));
    try {
      const { api } = fakeSafeStorage({ available: true, backend: 'basic_text' });
      const store = new SecretStore({ cipher: createSafeStorageCipher(api, 'linux'), env: { PORTWISE_HOME: home } });
      const result = await store.set({ profileId: 'web', kind: 'password' }, 'hunter2-secret');
      expect(result).toMatchObject({ ok: false, error: { kind: 'encryption-unavailable', message: expect.stringContaining('basic_text') } });
      expect(await readdir(home)).toEqual([]);
      expect(api.encryptString).not.toHaveBeenCalled();

      const good = fakeSafeStorage({ available: true, backend: 'gnome_libsecret' });
      const real = new SecretStore({ cipher: createSafeStorageCipher(good.api, 'linux'), env: { PORTWISE_HOME: home } });
      expect(await real.set({ profileId: 'web', kind: 'password' }, 'hunter2-secret')).toEqual({ ok: true });
      expect(await real.get({ profileId: 'web', kind: 'password' })).toEqual({ ok: true, value: 'hunter2-secret' });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
