/**
 * Saved passwords and key passphrases (STYLE.md "Secrets"). A profile holds only which kind of
 * secret is saved; the value lives here, encrypted by a `SecretCipher` (Electron's safeStorage in
 * the app, see electron/main/safe-storage-cipher.ts), in `secrets.json` in Portwise's home:
 *
 *   { "schema": "portwise.secrets", "version": 1, "secrets": { "web-01/password": "v1:<base64>" } }
 *
 * Every value carries a format tag (`v1:` = the cipher's bytes in base64) so a later format can
 * migrate. The file is replaced atomically and moved aside when damaged (./atomic-file.ts). The store fails closed: without a working cipher nothing is saved, and nothing is ever
 * written, logged, thrown or reported in plain text. Results are typed and carry a sentence for a
 * person; no method throws for an expected problem (a missing, corrupt or undecryptable entry).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ProfileId } from '../../common/schema/profile';
import { portwiseHome } from '../paths';
import { errnoCode, exclusive, fsErrorWords, moveAside, serialized, writeFileAtomic, type CorruptFileNotice } from './atomic-file';
import { FileLockBusyError } from './file-lock';

// ---------------------------------------------------------------------------------------------
// The cipher port

export type CipherStatus = { ok: true } | { ok: false; reason: string };

/**
 * What the store needs from an encryption backend. `status` is asked before every encryption and
 * decryption; its reason is a sentence the user sees (what is missing and what to install).
 * `encrypt` and `decrypt` may throw; their messages are never shown (they could echo input).
 */
export interface SecretCipher {
  status(): CipherStatus;
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

/**
 * A cipher that never encrypts, with the reason to show: for the CLI, which never saves a secret but
 * may still delete them (deleting needs no cipher), and for a handler table built without a keyring.
 */
export function unavailableCipher(reason: string): SecretCipher {
  const refuse = (): never => {
    throw new Error(reason);
  };
  return { status: () => ({ ok: false, reason }), encrypt: refuse, decrypt: refuse };
}

// ---------------------------------------------------------------------------------------------
// References

export const SECRET_KINDS = ['password', 'passphrase'] as const;
export type StoredSecretKind = (typeof SECRET_KINDS)[number];

/** Which secret: the profile it belongs to and its kind (a profile saves at most one of each). */
export interface SecretRef {
  profileId: string;
  kind: StoredSecretKind;
}

/** The key in `secrets.json`: `<profile id>/<kind>`. */
export function formatSecretRef(ref: SecretRef): string {
  return `${ref.profileId}/${ref.kind}`;
}

/** The reverse of `formatSecretRef`; null for anything that is not a valid reference. */
export function parseSecretRef(text: string): SecretRef | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ref = { profileId: text.slice(0, slash), kind: text.slice(slash + 1) };
  return isValidRef(ref) ? (ref as SecretRef) : null;
}

function isValidRef(ref: { profileId: unknown; kind: unknown }): boolean {
  return ProfileId.safeParse(ref.profileId).success && (SECRET_KINDS as readonly unknown[]).includes(ref.kind);
}

// ---------------------------------------------------------------------------------------------
// Results

export type SecretStoreError =
  | { kind: 'bad-ref'; message: string }
  | { kind: 'bad-value'; message: string }
  | { kind: 'not-found'; message: string }
  /** The cipher is not usable (no keyring, basic_text...): its reason, and nothing was written. */
  | { kind: 'encryption-unavailable'; message: string }
  | { kind: 'encryption-failed'; message: string }
  /** A `v1:` value the cipher cannot decrypt (another computer, a reset keyring): offer deletion. */
  | { kind: 'undecryptable'; message: string }
  /** A value without a tag this build knows; it is left as it is, never decrypted. */
  | { kind: 'unknown-format'; tag: string | null; message: string }
  /** `secrets.json` was written by a newer Portwise: read nothing, write nothing. */
  | { kind: 'newer-file'; version: number; message: string }
  | { kind: 'io'; code: string | null; message: string };

export type SecretStoreErrorKind = SecretStoreError['kind'];

export type SecretGetResult = { ok: true; value: string } | { ok: false; error: SecretStoreError };
export type SecretSetResult = { ok: true } | { ok: false; error: SecretStoreError };
export type SecretDeleteResult = { ok: true; deleted: boolean } | { ok: false; error: SecretStoreError };
export type SecretHasResult = { ok: true; present: boolean } | { ok: false; error: SecretStoreError };

/**
 * Told to the caller (the wizard shows it, the log may keep it): the same notice the profile store
 * gives for a damaged file. Paths and our own reason only: never a value, nor the file's text.
 */
export type SecretStoreNotice = CorruptFileNotice;

// ---------------------------------------------------------------------------------------------
// The store

export const SECRETS_FILE_SCHEMA = 'portwise.secrets';
export const SECRETS_FILE_VERSION = 1;
export const SECRETS_FILE_NAME = 'secrets.json';
/** The format tag of values this build writes. */
export const SECRET_FORMAT_TAG = 'v1';

/** Longer than any password or passphrase a person types; a bound so a bad caller cannot bloat the file. */
export const MAX_SECRET_LENGTH = 4096;

export const secretsFilePath = (env: NodeJS.ProcessEnv = process.env): string => path.join(portwiseHome(env), SECRETS_FILE_NAME);

export interface SecretStoreOptions {
  cipher: SecretCipher;
  /** Where Portwise's home is (PORTWISE_HOME); the store's file is `secrets.json` in it. */
  env?: NodeJS.ProcessEnv;
  /** A corrupt file was moved aside (and similar things the user should hear about). */
  onNotice?: (notice: SecretStoreNotice) => void;
  /** For tests: the time used in the name of a corrupt file moved aside. */
  now?: () => Date;
}

type Loaded = { ok: true; secrets: Map<string, string> } | { ok: false; error: SecretStoreError };

const KIND_WORDS: Record<StoredSecretKind, string> = { password: 'password', passphrase: 'key passphrase' };
const what = (ref: SecretRef): string => `The saved ${KIND_WORDS[ref.kind]} for profile "${ref.profileId}"`;

export class SecretStore {
  readonly file: string;
  private readonly cipher: SecretCipher;
  private readonly onNotice: (notice: SecretStoreNotice) => void;
  private readonly now: () => Date;

  constructor(options: SecretStoreOptions) {
    this.cipher = options.cipher;
    this.file = secretsFilePath(options.env ?? process.env);
    this.onNotice = options.onNotice ?? (() => {});
    this.now = options.now ?? (() => new Date());
  }

  /** Whether saving can work now; the reason is the sentence to show beside "remember the password". */
  status(): CipherStatus {
    return safeStatus(this.cipher);
  }

  get(ref: SecretRef): Promise<SecretGetResult> {
    return this.serial(async () => {
      const bad = checkRef(ref);
      if (bad) return { ok: false, error: bad };
      const loaded = await this.load();
      if (!loaded.ok) return loaded;
      const stored = loaded.secrets.get(formatSecretRef(ref));
      if (stored === undefined) return { ok: false, error: { kind: 'not-found', message: `No ${KIND_WORDS[ref.kind]} is saved for profile "${ref.profileId}".` } };
      return this.unseal(ref, stored);
    });
  }

  /** Encrypts and saves. Refuses, writing nothing, when the cipher is not usable. */
  async set(ref: SecretRef, value: string): Promise<SecretSetResult> {
    // Everything that can refuse is checked before the file is locked: a refused save touches nothing on disk.
    const sealed = this.seal(ref, value);
    if (!sealed.ok) return sealed;
    return this.exclusive<SecretSetResult>(async () => {
      const loaded = await this.load();
      if (!loaded.ok) return loaded;
      loaded.secrets.set(formatSecretRef(ref), `${SECRET_FORMAT_TAG}:${sealed.value.toString('base64')}`);
      return this.save(loaded.secrets);
    });
  }

  /** Checks the reference and the value, and encrypts it; never touches the disk. */
  private seal(ref: SecretRef, value: string): { ok: true; value: Buffer } | { ok: false; error: SecretStoreError } {
    const bad = checkRef(ref);
    if (bad) return { ok: false, error: bad };
    if (typeof value !== 'string' || value.length === 0) return { ok: false, error: { kind: 'bad-value', message: `An empty ${KIND_WORDS[ref.kind]} is not saved.` } };
    if (value.length > MAX_SECRET_LENGTH) return { ok: false, error: { kind: 'bad-value', message: `A ${KIND_WORDS[ref.kind]} longer than ${MAX_SECRET_LENGTH} characters is not saved.` } };
    const status = safeStatus(this.cipher);
    if (!status.ok) return { ok: false, error: { kind: 'encryption-unavailable', message: `The ${KIND_WORDS[ref.kind]} was not saved. ${status.reason}` } };

    let sealed: Buffer;
    try {
      sealed = this.cipher.encrypt(value);
    } catch {
      // The cipher's own message is not shown: it might quote its input.
      return { ok: false, error: { kind: 'encryption-failed', message: `The ${KIND_WORDS[ref.kind]} was not saved: the system keyring could not encrypt it.` } };
    }
    // A cipher that hands back its input (a broken adapter, a stub left in) must not put plain text on disk.
    if (!Buffer.isBuffer(sealed) || sealed.length === 0 || (value.length >= 4 && sealed.includes(Buffer.from(value, 'utf8')))) {
      return { ok: false, error: { kind: 'encryption-failed', message: `The ${KIND_WORDS[ref.kind]} was not saved: the system keyring returned data that does not look encrypted.` } };
    }
    return { ok: true, value: sealed };
  }

  /** Removes one secret. Works without a cipher (forgetting must always be possible). */
  async delete(ref: SecretRef): Promise<SecretDeleteResult> {
    const bad = checkRef(ref);
    if (bad) return { ok: false, error: bad };
    return this.exclusive<SecretDeleteResult>(async () => {
      const loaded = await this.load();
      if (!loaded.ok) return loaded;
      if (!loaded.secrets.delete(formatSecretRef(ref))) return { ok: true, deleted: false };
      const saved = await this.save(loaded.secrets);
      return saved.ok ? { ok: true, deleted: true } : saved;
    });
  }

  /** Removes every secret of a profile (call it when the profile is deleted); returns how many went. */
  async deleteProfile(profileId: string): Promise<{ ok: true; deleted: number } | { ok: false; error: SecretStoreError }> {
    const bad = checkRef({ profileId, kind: 'password' });
    if (bad) return { ok: false, error: bad };
    return this.exclusive<{ ok: true; deleted: number } | { ok: false; error: SecretStoreError }>(async () => {
      const loaded = await this.load();
      if (!loaded.ok) return loaded;
      const deleted = SECRET_KINDS.filter((kind) => loaded.secrets.delete(formatSecretRef({ profileId, kind }))).length;
      if (deleted === 0) return { ok: true, deleted };
      const saved = await this.save(loaded.secrets);
      return saved.ok ? { ok: true, deleted } : saved;
    });
  }

  /** Whether a secret is saved (without decrypting it: it may still fail to open). */
  has(ref: SecretRef): Promise<SecretHasResult> {
    return this.serial(async () => {
      const bad = checkRef(ref);
      if (bad) return { ok: false, error: bad };
      const loaded = await this.load();
      if (!loaded.ok) return loaded;
      return { ok: true, present: loaded.secrets.has(formatSecretRef(ref)) };
    });
  }

  /** One operation at a time per file: two saves must not both read the old file and lose one entry. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    return serialized(this.file, task);
  }

  /** A change: also locked against another Portwise process (the app and the CLI) changing the file at once. */
  private async exclusive<T>(task: () => Promise<T>): Promise<T | { ok: false; error: SecretStoreError }> {
    try {
      return await exclusive(this.file, task);
    } catch (error) {
      if (error instanceof FileLockBusyError) return { ok: false, error: { kind: 'io', code: 'EBUSY', message: error.message } };
      return { ok: false, error: ioError(`The saved secrets (${this.file}) could not be locked`, error) };
    }
  }

  private unseal(ref: SecretRef, stored: string): SecretGetResult {
    const tag = /^([A-Za-z0-9]{1,16}):/.exec(stored)?.[1] ?? null;
    if (tag !== SECRET_FORMAT_TAG) {
      // The value itself is never quoted: an untagged one may be a hand-written plain password.
      const which = tag === null ? 'has no format tag' : `has the format tag "${tag}"`;
      return {
        ok: false,
        error: {
          kind: 'unknown-format',
          tag,
          message: `${what(ref)} ${which}, which this version of Portwise does not read. It was left as it is: update Portwise, or delete it and enter the ${KIND_WORDS[ref.kind]} again.`,
        },
      };
    }
    const body = stored.slice(SECRET_FORMAT_TAG.length + 1);
    const undecryptable = {
      ok: false as const,
      error: {
        kind: 'undecryptable' as const,
        message: `${what(ref)} cannot be decrypted (the system keyring may have been reset, or the file comes from another computer or user). Delete it and enter the ${KIND_WORDS[ref.kind]} again.`,
      },
    };
    if (body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undecryptable;

    const status = safeStatus(this.cipher);
    if (!status.ok) return { ok: false, error: { kind: 'encryption-unavailable', message: `${what(ref)} cannot be read now. ${status.reason}` } };
    try {
      const value = this.cipher.decrypt(Buffer.from(body, 'base64'));
      if (typeof value !== 'string') return undecryptable;
      return { ok: true, value };
    } catch {
      return undecryptable;
    }
  }

  private async load(): Promise<Loaded> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { ok: true, secrets: new Map() };
      return { ok: false, error: ioError(`The saved secrets (${this.file}) could not be read`, err) };
    }
    const parsed = parseSecretsFile(text);
    if (parsed.kind === 'ok') return { ok: true, secrets: parsed.secrets };
    if (parsed.kind === 'newer') {
      return {
        ok: false,
        error: {
          kind: 'newer-file',
          version: parsed.version,
          message: `The saved secrets (${this.file}) were written by a newer version of Portwise (format ${parsed.version}); this version leaves them untouched. Update Portwise to use them.`,
        },
      };
    }
    // Corrupt: keep the bytes (they may still be recoverable) and go on with an empty store. The
    // reason is ours: a JSON parser's message would quote the file, and the file may hold a secret.
    let notice: CorruptFileNotice;
    try {
      notice = await moveAside(this.file, parsed.problem, this.now());
    } catch (err) {
      return { ok: false, error: ioError(`The saved secrets (${this.file}) are unreadable and could not be moved aside`, err) };
    }
    this.onNotice({
      ...notice,
      message: `The saved secrets file was damaged (${parsed.problem}). It was moved to ${notice.movedTo}; passwords saved before will be asked again.`,
    });
    return { ok: true, secrets: new Map() };
  }

  private async save(secrets: Map<string, string>): Promise<{ ok: true } | { ok: false; error: SecretStoreError }> {
    const doc = { schema: SECRETS_FILE_SCHEMA, version: SECRETS_FILE_VERSION, secrets: Object.fromEntries([...secrets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: ioError(`The saved secrets (${this.file}) could not be written`, err) };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function checkRef(ref: SecretRef): SecretStoreError | null {
  if (ref && typeof ref === 'object' && isValidRef(ref)) return null;
  return { kind: 'bad-ref', message: 'A secret belongs to a profile id (lowercase letters, digits and dashes) and is a password or a passphrase.' };
}

/** A cipher whose `status` throws is a cipher that is not ok. */
function safeStatus(cipher: SecretCipher): CipherStatus {
  try {
    const status = cipher.status();
    if (status.ok === true) return status;
    return { ok: false, reason: typeof status.reason === 'string' && status.reason ? status.reason : 'Encryption is not available on this computer.' };
  } catch {
    return { ok: false, reason: 'The system keyring could not be asked whether encryption works.' };
  }
}

type ParsedFile = { kind: 'ok'; secrets: Map<string, string> } | { kind: 'newer'; version: number } | { kind: 'corrupt'; problem: string };

/** Reads `secrets.json`. Unknown keys inside `secrets` are kept (a later build may own them). */
export function parseSecretsFile(text: string): ParsedFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { kind: 'corrupt', problem: 'not JSON' };
  }
  if (!isPlainObject(doc)) return { kind: 'corrupt', problem: 'not a JSON object' };
  if (doc.schema !== SECRETS_FILE_SCHEMA) return { kind: 'corrupt', problem: `schema is not "${SECRETS_FILE_SCHEMA}"` };
  const version = doc.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { kind: 'corrupt', problem: 'no valid version' };
  if (version > SECRETS_FILE_VERSION) return { kind: 'newer', version };
  if (!isPlainObject(doc.secrets)) return { kind: 'corrupt', problem: '"secrets" is not an object' };
  const secrets = new Map<string, string>();
  for (const [key, value] of Object.entries(doc.secrets)) {
    if (typeof value !== 'string') return { kind: 'corrupt', problem: 'an entry is not a string' };
    secrets.set(key, value);
  }
  return { kind: 'ok', secrets };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


function ioError(prefix: string, err: unknown): SecretStoreError {
  return { kind: 'io', code: errnoCode(err), message: `${prefix}: ${fsErrorWords(err)}.` };
}
