import os from 'node:os';
import path from 'node:path';

/**
 * Portwise's own data folder (its known-hosts file, later profiles and history). PORTWISE_HOME
 * overrides it, for the CLI and tests; otherwise the platform's usual place for app data.
 */
export function portwiseHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PORTWISE_HOME) return path.resolve(env.PORTWISE_HOME);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Portwise');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Portwise');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'portwise');
}

/** The only known_hosts file Portwise writes. */
export const ownKnownHostsFile = (env: NodeJS.ProcessEnv = process.env): string => path.join(portwiseHome(env), 'known_hosts');

/** OpenSSH's per-user known_hosts file: read always; appended to only when the person chose so (settings). */
export const openSshKnownHostsFile = (env: NodeJS.ProcessEnv = process.env): string => path.join(env.HOME ?? env.USERPROFILE ?? os.homedir(), '.ssh', 'known_hosts');

/** The user's and the system's known_hosts files: read; never written, but for the choice above. */
export function userKnownHostsFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  // The home of the environment the engine was given (the wizard's tests give it a private one).
  const home = env.HOME ?? env.USERPROFILE ?? os.homedir();
  const files = [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')];
  if (process.platform !== 'win32') files.push('/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2');
  else files.push(path.join(env.ProgramData ?? 'C:\\ProgramData', 'ssh', 'ssh_known_hosts'));
  return files;
}
