import type { SafeStorage } from 'electron';
import type { CipherStatus, SecretCipher } from '../../shared/node/store/secret-store';

/**
 * The secret store's cipher, backed by Electron's `safeStorage` (Keychain on macOS, DPAPI on
 * Windows, the desktop's Secret Service or KWallet on Linux). `safeStorage` and the platform are
 * passed in, so tests give a fake and nothing here loads Electron at run time.
 *
 * Fail closed (STYLE.md "Secrets"): on Linux, Electron falls back to `basic_text`, a key compiled
 * into Chromium, when no keyring is found; that is obfuscation, not encryption, so it is refused,
 * and so is `unknown` (before `ready`, or a desktop Electron does not recognise). We never call
 * `setUsePlainTextEncryption`.
 *
 * Electron 45 marks the synchronous calls used here deprecated in favour of `*Async`. They are kept
 * on purpose: in Electron's source the Linux backend is only chosen (and reported by
 * `getSelectedStorageBackend`) when the synchronous `isEncryptionAvailable` runs, so the async path
 * alone could not tell `basic_text` from a real keyring. Revisit when upgrading Electron.
 */
export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  // Linux only: Electron does not define it on macOS and Windows.
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

/** Linux backends that keep the key in a real keyring. Anything else (including names a later Electron adds) is refused. */
const LINUX_KEYRINGS: readonly string[] = ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'];

const INSTALL_KEYRING =
  'Install and unlock a Secret Service keyring (gnome-keyring, or KWallet on KDE; for example `sudo apt install gnome-keyring`), then restart Portwise. You can still type the password each time.';

export function safeStorageStatus(safeStorage: SafeStorageLike, platform: NodeJS.Platform): CipherStatus {
  let available: boolean;
  try {
    // Called first on every platform: on Linux this is what makes Electron pick its backend.
    available = safeStorage.isEncryptionAvailable() === true;
  } catch {
    available = false;
  }

  if (platform === 'linux') {
    let backend: string;
    try {
      backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    } catch {
      backend = 'unknown';
    }
    if (backend === 'basic_text') {
      return { ok: false, reason: `Passwords are not saved: no system keyring was found, so Electron would only hide them with a fixed key (backend "basic_text"). ${INSTALL_KEYRING}` };
    }
    if (!LINUX_KEYRINGS.includes(backend)) {
      return {
        ok: false,
        reason: `Passwords are not saved: Portwise cannot tell which keyring would protect them (backend "${backend}"). ${INSTALL_KEYRING} On an unusual desktop, start Portwise with --password-store=gnome-libsecret (or kwallet5, kwallet6).`,
      };
    }
    if (!available) return { ok: false, reason: `Passwords are not saved: the keyring (${backend}) is not available; it may be locked or not running. ${INSTALL_KEYRING}` };
    return { ok: true };
  }

  if (platform === 'darwin') {
    return available ? { ok: true } : { ok: false, reason: 'Passwords are not saved: the macOS Keychain is not available. Unlock the login keychain (Keychain Access) and try again.' };
  }
  if (platform === 'win32') {
    return available ? { ok: true } : { ok: false, reason: 'Passwords are not saved: Windows data protection (DPAPI) is not available for this user account.' };
  }
  return { ok: false, reason: `Passwords are not saved: Portwise does not know how secrets are protected on this system (${platform}).` };
}

export function createSafeStorageCipher(safeStorage: SafeStorageLike, platform: NodeJS.Platform): SecretCipher {
  const guard = (): void => {
    // Checked here as well as in the store, so no other caller can reach basic_text encryption.
    const status = safeStorageStatus(safeStorage, platform);
    if (!status.ok) throw new Error(status.reason);
  };
  return {
    status: () => safeStorageStatus(safeStorage, platform),
    encrypt(plain) {
      guard();
      return safeStorage.encryptString(plain);
    },
    decrypt(data) {
      guard();
      return safeStorage.decryptString(data);
    },
  };
}
