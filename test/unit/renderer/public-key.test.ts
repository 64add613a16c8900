import { describe, expect, it } from 'vitest';
import { parsePublicKey } from '../../../renderer/lib/public-key';

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIP5WmWS9Jd12sKmrH4VFZ0peJGXHPGlw42Ip243HyIcz';

describe('parsePublicKey', () => {
  it.each([
    ['a .pub line', `ssh-ed25519 ${KEY} root@db`],
    ['a known_hosts line', `db.example.com,198.18.0.2 ssh-ed25519 ${KEY}`],
    ['an ssh-keyscan line with a comment line before it', `# db.example.com:22 SSH-2.0-OpenSSH_9.2\ndb.example.com ssh-ed25519 ${KEY}\n`],
  ])('reads %s', (_, text) => {
    expect(parsePublicKey(text)).toEqual({ ok: true, keyType: 'ssh-ed25519', key: KEY });
  });

  it.each([
    ['nothing', '  ', /Paste the server/],
    ['two keys', `ssh-ed25519 ${KEY}\nssh-ed25519 ${KEY}`, /one key at a time/],
    ['no key type', `ssh-foo ${KEY}`, /No key type/],
    ['a key that is not base64', 'ssh-ed25519 $(touch /tmp/x)', /not base64/],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----', /No key type/],
  ])('refuses %s with a sentence', (_, text, message) => {
    const parsed = parsePublicKey(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });
});
