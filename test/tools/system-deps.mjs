// The system programs the tests drive for real (Chromium, the kernel's firewalls, namespaces, sshd,
// poppler). `npm test` checks them first; as root it installs what is missing from Debian's
// packages, otherwise it says exactly what to install and stops.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** command -> Debian package that provides it */
export const requiredCommands = {
  '/usr/bin/chromium': 'chromium',
  ip: 'iproute2',
  iptables: 'iptables',
  ip6tables: 'iptables',
  'iptables-legacy': 'iptables',
  nft: 'nftables',
  unshare: 'util-linux',
  '/usr/sbin/sshd': 'openssh-server',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  pdftotext: 'poppler-utils',
  pdftoppm: 'poppler-utils',
  python3: 'python3',
  ps: 'procps',
  debootstrap: 'debootstrap',
  'systemd-nspawn': 'systemd-container',
  zstd: 'zstd',
  tar: 'tar',
};

function has(command) {
  if (command.startsWith('/')) return existsSync(command);
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]`, 'sh', command]).status === 0;
}

export function missingPackages() {
  const missing = new Set();
  for (const [command, pkg] of Object.entries(requiredCommands)) if (!has(command)) missing.add(pkg);
  return [...missing].sort();
}

export function ensureSystemDeps({ log = console.error } = {}) {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `These system packages are missing: ${missing.join(' ')}.\n` +
        `Install them once as root: sudo apt-get install -y ${missing.join(' ')}\n` +
        '(The tests drive a real Chromium, real firewalls in network namespaces and a real sshd.)',
    );
  }
  log(`Installing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  const still = missingPackages();
  if (still.length > 0) throw new Error(`Still missing after apt-get install: ${still.join(' ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    ensureSystemDeps();
    console.error('System packages: all present.');
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
