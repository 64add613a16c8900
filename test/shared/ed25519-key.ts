import { utils } from 'ssh2';

/**
 * An ed25519 key pair that ssh2 itself can read back. ssh2's generateKeyPairSync drops a leading
 * zero byte of the key (about one key in 400), and its parser then rejects the key as
 * "Malformed OpenSSH private key": a test server built on such a key fails its whole file at random.
 */
export function ed25519KeyPair(): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error('ssh2 generated 20 unreadable ed25519 keys in a row');
}
