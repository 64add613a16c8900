import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SafeStorageLike } from '../../electron/main/safe-storage-cipher';

type Backend = ReturnType<NonNullable<SafeStorageLike['getSelectedStorageBackend']>>;

/**
 * Electron's `safeStorage` for tests that run the real app code without Electron: the only part
 * replaced is Electron itself. It encrypts for real (AES-256-GCM under a key made per keyring, like a
 * desktop keyring's), so a test that greps the data folder for a password proves something, and a
 * second keyring cannot decrypt the first one's data (a reset keyring, another computer).
 *
 * As in Electron on Linux, the backend is only chosen once `isEncryptionAvailable` has been called.
 */
export function fakeKeyring(options: { backend?: Backend; available?: boolean } = {}): SafeStorageLike {
  const key = randomBytes(32);
  let chosen = false;
  return {
    isEncryptionAvailable: () => {
      chosen = true;
      return options.available ?? true;
    },
    getSelectedStorageBackend: () => (chosen ? (options.backend ?? 'gnome_libsecret') : 'unknown'),
    encryptString: (plain: string) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from('v11'), iv, cipher.getAuthTag(), body]);
    },
    decryptString: (data: Buffer) => {
      if (!data.subarray(0, 3).equals(Buffer.from('v11')) || data.length < 31) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(3, 15));
      decipher.setAuthTag(data.subarray(15, 31));
      return Buffer.concat([decipher.update(data.subarray(31)), decipher.final()]).toString('utf8');
    },
  };
}
