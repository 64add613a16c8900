/**
 * Host keys as the wizard shows them: where to read a key's fingerprint on the server. (The two
 * fingerprints of a changed key are fields of the report's `sshFailure`, never read from its message.)
 */

/** The command a server's owner runs to print the fingerprint of a host key of this type. */
export function hostKeyCheckCommand(keyType: string): string {
  const type = keyType.toLowerCase();
  const file = type.includes('ed25519') ? 'ed25519' : type.startsWith('ecdsa') ? 'ecdsa' : type.includes('rsa') ? 'rsa' : null;
  // An unusual key type: every host key file is listed, and the person finds the matching line.
  if (!file) return 'for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$f"; done';
  return `ssh-keygen -lf /etc/ssh/ssh_host_${file}_key.pub`;
}
