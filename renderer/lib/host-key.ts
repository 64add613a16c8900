/**
 * Host keys as the wizard shows them: where to read a key's fingerprint on the server, and the two
 * fingerprints of a changed key, read back from the engine's refusal (its message names both).
 */

/** The command a server's owner runs to print the fingerprint of a host key of this type. */
export function hostKeyCheckCommand(keyType: string): string {
  const type = keyType.toLowerCase();
  const file = type.includes('ed25519') ? 'ed25519' : type.startsWith('ecdsa') ? 'ecdsa' : type.includes('rsa') ? 'rsa' : null;
  // An unusual key type: every host key file is listed, and the person finds the matching line.
  if (!file) return 'for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$f"; done';
  return `ssh-keygen -lf /etc/ssh/ssh_host_${file}_key.pub`;
}

export interface PinnedKey {
  fingerprint: string;
  /** The known_hosts file and line that hold it, when the message names them. */
  file: string | null;
  line: number | null;
}

export interface ChangedHostKey {
  /** "target host alice@db:22", as the message starts. */
  hop: string | null;
  presented: { keyType: string | null; fingerprint: string } | null;
  known: PinnedKey[];
}

const FINGERPRINT = /(?:SHA256|MD5):[A-Za-z0-9+/:=]+/g;

/**
 * The fingerprints in a `host-key-changed` refusal (`shared/node/ssh/host-verifier.ts`): "The server
 * presented TYPE FP, but the known key is FP (FILE line N), FP (FILE line N). ..." When the wording
 * is not recognised, every fingerprint is still found: the first is the presented key.
 */
export function changedHostKey(message: string): ChangedHostKey {
  const hopEnd = message.indexOf(': the host key');
  const hop = hopEnd > 0 ? message.slice(0, hopEnd) : null;
  const worded = /presented (\S+) ((?:SHA256|MD5):\S+?), but the known key is (.+?)\. Someone/.exec(message);
  if (worded) {
    const known = worded[3]!.split(/, (?=(?:SHA256|MD5):)/).map((part): PinnedKey => {
      const where = /^(\S+) \((.+) line (\d+)\)$/.exec(part.trim());
      return where ? { fingerprint: where[1]!, file: where[2]!, line: Number(where[3]) } : { fingerprint: part.trim(), file: null, line: null };
    });
    return { hop, presented: { keyType: worded[1]!, fingerprint: worded[2]! }, known };
  }
  const all = message.match(FINGERPRINT) ?? [];
  const [first, ...rest] = all;
  return { hop, presented: first ? { keyType: null, fingerprint: first } : null, known: rest.map((fingerprint) => ({ fingerprint, file: null, line: null })) };
}
