import os from 'node:os';
import path from 'node:path';
import type { Profile } from '../../common/schema/profile';
import type { HostKeyPolicy } from '../ssh/host-verifier';
import type { SshAccess } from './access';

/** `~/` in a saved path is the home of the environment the engine runs in. */
export function expandHome(file: string, env: NodeJS.ProcessEnv): string {
  if (!file.startsWith('~/')) return file;
  return path.join(env.HOME ?? env.USERPROFILE ?? os.homedir(), file.slice(2));
}

export interface ChainAccessOptions {
  /** Extra known_hosts files, besides the profiles' own. */
  knownHostsFiles: readonly string[];
  /** The CLI refuses or accepts new keys as told; the wizard asks. */
  hostKeyPolicy: HostKeyPolicy;
  /** Use `sudo -n` even if the profile says never (the CLI's --sudo). */
  sudo: boolean;
}

/**
 * A profile chain (jump hosts first, the server last) as the engine's SSH access: every hop with its
 * own user, port, method and key (never another hop's), the known_hosts files of all of them, and
 * the server's sudo policy. The CLI's `--profile` and the wizard's saved-profile choice both use it.
 */
export function accessForChain(chain: readonly Profile[], options: ChainAccessOptions, env: NodeJS.ProcessEnv): SshAccess {
  const target = chain[chain.length - 1];
  if (target === undefined) throw new Error('accessForChain: an empty chain');
  const destination = (p: Profile) => ({ user: p.user, host: p.host, port: p.port });
  return {
    destination: destination(target),
    jumps: chain.slice(0, -1).map(destination),
    identityFiles: [],
    // connectChain takes one list for all hops: a jump's extra known_hosts file is read for every hop.
    knownHostsFiles: [...new Set([...chain.flatMap((p) => p.knownHostsFiles.map((f) => expandHome(f, env))), ...options.knownHostsFiles])],
    hostKeyPolicy: options.hostKeyPolicy,
    sudo: options.sudo || target.sudo === 'sudo-n',
    hops: chain.map((p) => ({ method: p.auth, keyPath: p.keyPath === null ? null : expandHome(p.keyPath, env) })),
  };
}
