import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Report } from '../../../shared/common/schema/report';
import { NS_V4, runOk } from '../harness/netns';
import { startNamespacedSshd, type NamespacedSshd } from '../harness/netns-sshd';
import { useLab } from '../harness/suite';

// `portwise diagnose --profile` through saved profiles, with the built CLI, in the netns lab:
//   workstation --198.18.2.0/24--> jump namespace (sshd on :2201) --198.18.3.0/24--> server namespace
// The bastion alone reaches the server's inner address. Each sshd accepts only its OWN client key:
// the login works only if every hop uses its own profile's key (no key is borrowed from another hop).
const CLI = 'out/cli/portwise.cjs';
const lab = useLab();
const id = `${process.pid % 100000}`;
const jumpNs = `pwpj${id}`;
const links = { host: `pwph${id}`, jumpOut: `pwpo${id}`, jumpIn: `pwpi${id}`, server: `pwps${id}` };
const JUMP = '198.18.2.2';
const JUMP_PORT = 2201;
const SERVER = '198.18.3.2';
let jump: NamespacedSshd | null = null;
let inner: NamespacedSshd | null = null;
let home: string;

beforeAll(async () => {
  await runOk('npm', ['run', '--silent', 'build:cli'], { timeoutMs: 120_000 });
  home = await mkdtemp(join(tmpdir(), 'portwise-home-'));
  await runOk('ip', ['netns', 'add', jumpNs]);
  await runOk('ip', ['link', 'add', links.host, 'type', 'veth', 'peer', 'name', links.jumpOut]);
  await runOk('ip', ['link', 'set', links.jumpOut, 'netns', jumpNs]);
  await runOk('ip', ['addr', 'add', '198.18.2.1/24', 'dev', links.host]);
  await runOk('ip', ['link', 'set', links.host, 'up']);
  await runOk('ip', ['link', 'add', links.jumpIn, 'netns', jumpNs, 'type', 'veth', 'peer', 'name', links.server, 'netns', lab().ns]);
  for (const [dev, addr] of [[links.jumpOut, `${JUMP}/24`], [links.jumpIn, '198.18.3.1/24']] as const) {
    await runOk('ip', ['-n', jumpNs, 'addr', 'add', addr, 'dev', dev]);
    await runOk('ip', ['-n', jumpNs, 'link', 'set', dev, 'up']);
  }
  await runOk('ip', ['-n', jumpNs, 'link', 'set', 'lo', 'up']);
  await runOk('ip', ['-n', lab().ns, 'addr', 'add', `${SERVER}/24`, 'dev', links.server]);
  await runOk('ip', ['-n', lab().ns, 'link', 'set', links.server, 'up']);
  jump = await startNamespacedSshd({ ns: jumpNs }, { address: JUMP, port: JUMP_PORT });
  inner = await startNamespacedSshd(lab(), { address: SERVER });
  // Each profile names its own known_hosts file, as ssh_config's UserKnownHostsFile would.
  // known_hosts syntax for a port other than 22 is `[host]:port` (the harness's `knownHosts` omits the brackets).
  await writeFile(join(home, 'known_hosts_jump'), `[${JUMP}]:${JUMP_PORT} ${jump.hostKey.type} ${jump.hostKey.blob.toString('base64')}\n`);
  await writeFile(join(home, 'known_hosts_server'), inner.knownHosts);
  // The profiles, saved with the CLI itself.
  await cliOk(['profiles', 'add', '--name', 'Bastion', '--host', JUMP, '--port', String(JUMP_PORT), '--user', 'root', '--auth', 'key', '--key', jump.clientKey.path, '--known-hosts', join(home, 'known_hosts_jump')]);
  await cliOk([
    'profiles', 'add', '--name', 'Inner DB', '--host', SERVER, '--user', 'root', '--auth', 'key', '--key', inner.clientKey.path,
    '--jump', 'bastion', '--known-hosts', join(home, 'known_hosts_server'), '--service', 'postgresql', '--sudo', '--group', 'lab',
  ]);
}, 180_000);

afterAll(async () => {
  await inner?.stop();
  await jump?.stop();
  await runOk('ip', ['netns', 'del', jumpNs]).catch(() => undefined);
  await runOk('ip', ['link', 'del', links.host]).catch(() => undefined);
  if (home) await rm(home, { recursive: true, force: true });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI, with a private HOME and Portwise folder and no SSH agent. */
function cli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PORTWISE_HOME: join(home, 'portwise'), LANG: 'C' };
    const child = spawn('node', [CLI, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function cliOk(args: string[]): Promise<CliRun> {
  const run = await cli(args);
  if (run.code !== 0) throw new Error(`portwise ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run;
}

function report(run: CliRun): Report {
  try {
    return Report.parse(JSON.parse(run.stdout));
  } catch (error) {
    throw new Error(`no report (exit ${run.code}): ${(error as Error).message}\n${run.stderr}`, { cause: error });
  }
}

const hopsOf = (r: Report) => {
  const login = r.evidence.find((e) => e.id === 'ssh-login');
  return login?.facts.check === 'ssh-login' ? login.facts.hops.map((h) => h.hop) : null;
};

describe('diagnose --profile in the netns lab', () => {
  it('the saved server profile shows its chain through the jump profile', async () => {
    const shown = await cliOk(['profiles', 'show', 'inner db']);
    expect(shown.stdout).toContain(`Chain:       root@${JUMP}:${JUMP_PORT} (Bastion) → root@${SERVER}:22 (Inner DB)`);
  });

  it('no listener: service-not-running, logged in through both hops, each with its own key; the service comes from the profile', async () => {
    const jumpLog = jump!.log().length;
    const innerLog = inner!.log().length;
    const run = await cli(['diagnose', `${NS_V4}:8201`, '--profile', 'Inner DB', '--json', '--probes', '2']);
    const r = report(run);
    expect(r.diagnosis.cause, run.stderr).toBe('service-not-running');
    expect(run.code).toBe(0);
    // The report shows both hops, in order.
    expect(hopsOf(r)).toEqual([`root@${JUMP}:${JUMP_PORT}`, `root@${SERVER}:22`]);
    expect(r.service).toBe('postgresql');
    // The progress named each hop as it logged in.
    expect(run.stderr).toContain(`Logging in to jump host 1 of 2, root@${JUMP}:${JUMP_PORT}…`);
    expect(run.stderr).toContain(`Logging in to target host 2 of 2, root@${SERVER}:22…`);
    // Each sshd saw its own key only: the jump got the jump key, the server the server key, via the bastion.
    expect(jump!.log().slice(jumpLog)).toMatch(/Accepted publickey for root/);
    expect(jump!.log().slice(jumpLog)).not.toMatch(/Failed publickey/);
    expect(inner!.log().slice(innerLog)).toMatch(/Accepted publickey for root from 198\.18\.3\.1/);
    expect(inner!.log().slice(innerLog)).not.toMatch(/Failed publickey/);
  });

  it('a loopback-only listener: bind-loopback-only; --service wins over the profile’s hint', async () => {
    const listener = await lab().startListener({ address: '127.0.0.1', port: 8202, mode: 'accept' });
    try {
      const run = await cli(['diagnose', `${NS_V4}:8202`, '--profile', 'inner-db', '--service', 'nginx', '--json', '--probes', '2']);
      const r = report(run);
      expect(r.diagnosis.cause, run.stderr).toBe('bind-loopback-only');
      expect(r.service).toBe('nginx');
      expect(hopsOf(r)).toEqual([`root@${JUMP}:${JUMP_PORT}`, `root@${SERVER}:22`]);
    } finally {
      await listener.stop();
    }
  });

  it('keys are never borrowed: with the two keys swapped between the profiles, the jump host refuses (hop 1), exit 4', async () => {
    await cliOk(['profiles', 'edit', 'bastion', '--key', inner!.clientKey.path]);
    await cliOk(['profiles', 'edit', 'inner-db', '--key', jump!.clientKey.path]);
    try {
      const run = await cli(['diagnose', `${NS_V4}:8204`, '--profile', 'inner-db', '--json', '--probes', '1']);
      expect(run.code, run.stderr).toBe(4);
      const r = report(run);
      expect(r.sshFailure?.kind).toBe('auth-failed');
      expect(r.sshFailure?.failedHop).toMatchObject({ index: 1, total: 2, host: JUMP, port: JUMP_PORT });
      // Only the jump profile's (wrong) key was offered to the jump host: the server's profile key was not tried there.
      expect(r.sshFailure?.methodsTried).toEqual([`publickey ${inner!.clientKey.path}`]);
    } finally {
      await cliOk(['profiles', 'edit', 'bastion', '--key', jump!.clientKey.path]);
      await cliOk(['profiles', 'edit', 'inner-db', '--key', inner!.clientKey.path]);
    }
  });

  it('an ssh_config with a two-hop ProxyJump imports as three linked profiles, and diagnose --profile goes through all three', async () => {
    // A second jump host in the jump namespace: b1 (:2201) forwards to b2 (:2202), b2 to the server.
    const second = await startNamespacedSshd({ ns: jumpNs }, { address: JUMP, port: 2202 });
    try {
      await writeFile(join(home, 'known_hosts_b2'), `[${JUMP}]:2202 ${second.hostKey.type} ${second.hostKey.blob.toString('base64')}\n`);
      const config = join(home, 'lab_ssh_config');
      await writeFile(
        config,
        [
          'Host *',
          '  User root',
          'Host b1',
          `  HostName ${JUMP}`,
          `  Port ${JUMP_PORT}`,
          `  IdentityFile ${jump!.clientKey.path}`,
          `  UserKnownHostsFile ${join(home, 'known_hosts_jump')}`,
          'Host b2',
          `  HostName ${JUMP}`,
          '  Port 2202',
          `  IdentityFile ${second.clientKey.path}`,
          `  UserKnownHostsFile ${join(home, 'known_hosts_b2')}`,
          'Host labdb',
          `  HostName ${SERVER}`,
          `  IdentityFile ${inner!.clientKey.path}`,
          `  UserKnownHostsFile ${join(home, 'known_hosts_server')}`,
          '  ProxyJump b1,b2',
          '',
        ].join('\n'),
      );
      // Without --yes: the preview only, nothing saved.
      const preview = await cliOk(['profiles', 'import-ssh-config', '--file', config]);
      expect(preview.stdout).toMatch(/labdb/);
      expect(preview.stdout).toContain('Nothing was saved');
      expect((await cliOk(['profiles', 'show', 'labdb']).catch((e: Error) => e)) instanceof Error).toBe(true);

      const saved = await cliOk(['profiles', 'import-ssh-config', '--file', config, '--yes', '--json']);
      expect((JSON.parse(saved.stdout) as { saved: { created: string[] } }).saved.created).toEqual(['b1', 'b2', 'labdb']);
      const chain = await cliOk(['profiles', 'show', 'labdb']);
      expect(chain.stdout).toContain(`Chain:       root@${JUMP}:${JUMP_PORT} (b1) → root@${JUMP}:2202 (b2) → root@${SERVER}:22 (labdb)`);

      const run = await cli(['diagnose', `${NS_V4}:8206`, '--profile', 'labdb', '--json', '--probes', '1']);
      const r = report(run);
      expect(r.diagnosis.cause, run.stderr).toBe('service-not-running');
      expect(hopsOf(r)).toEqual([`root@${JUMP}:${JUMP_PORT}`, `root@${JUMP}:2202`, `root@${SERVER}:22`]);
      expect(second.log()).toMatch(/Accepted publickey for root/);
    } finally {
      await second.stop();
    }
  });

  it('--profile with --ssh is a usage error, and an unknown profile too (exit 2)', async () => {
    const both = await cli(['diagnose', `${NS_V4}:8205`, '--profile', 'inner-db', '--ssh', `root@${SERVER}`]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--profile and --ssh/);
    const unknown = await cli(['diagnose', `${NS_V4}:8205`, '--profile', 'ghost']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no profile "ghost"/);
  });
});
