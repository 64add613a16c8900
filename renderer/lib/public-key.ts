/**
 * A public key as people paste it: a `.pub` file's line (`ssh-ed25519 AAAA... comment`), or a
 * known_hosts / ssh-keyscan line with the host in front. Only the type and the base64 key are kept;
 * main checks the key again before anything is written.
 */
export type PublicKeyParse = { ok: true; keyType: string; key: string } | { ok: false; message: string };

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function parsePublicKey(text: string): PublicKeyParse {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) return { ok: false, message: 'Paste the server’s public host key: one line such as “ssh-ed25519 AAAA…”.' };
  if (lines.length > 1) return { ok: false, message: 'Paste one key at a time: this text has several lines.' };
  const fields = lines[0]!.split(/\s+/);
  const at = fields.findIndex((f) => KEY_TYPE.test(f));
  if (at < 0) return { ok: false, message: 'No key type was found (such as ssh-ed25519, ecdsa-sha2-nistp256 or ssh-rsa).' };
  const key = fields[at + 1];
  if (!key || !BASE64.test(key) || key.length < 32) return { ok: false, message: `The key after ${fields[at]} is not base64 text.` };
  return { ok: true, keyType: fields[at]!, key };
}
