// A fleet of lab servers for `portwise fleet`: N namespaces on one host bridge, each with its own
// OpenSSH sshd (its own host key), all on 198.18.2.0/24 (the host is .1, server i is .10+i), so the
// one-namespace lab (198.18.0.0/24) and the nspawn lab can exist at the same time. IPv4 only.
import { run, runOk, waitFor, labId, namespaceHandle, type Lab } from './netns';
import { startNamespacedSshd, type NamespacedSshd } from './netns-sshd';
import { generateKey, type KeyPair } from './sshd';

export const FLEET_HOST_V4 = '198.18.2.1';
/** At most this many servers: .10 to .209 of the /24. */
export const FLEET_MAX = 200;

export interface FleetServerLab {
  address: string;
  lab: Lab;
  sshd: NamespacedSshd;
}

export interface FleetLab {
  servers: FleetServerLab[];
  /** One client key every server accepts. */
  clientKey: KeyPair;
  /** known_hosts text pinning every server's own host key. */
  knownHosts: string;
  /** Stops every sshd and listener, deletes the namespaces and the bridge. Never throws. */
  teardown(): Promise<string[]>;
}

export const fleetAddress = (i: number) => `198.18.2.${10 + i}`;

/** Builds `count` servers, a few at a time; on any failure what was built is torn down and the error names the server. */
export async function createFleetLab(count: number, dir: string): Promise<FleetLab> {
  if (!Number.isInteger(count) || count < 1 || count > FLEET_MAX) throw new Error(`createFleetLab: 1 to ${FLEET_MAX} servers, not ${count}`);
  const taken = await run('ip', ['-o', 'addr', 'show', 'to', `${FLEET_HOST_V4}/32`]);
  if (taken.stdout.trim() !== '') {
    const dev = taken.stdout.trim().split(/\s+/)[1] ?? '?';
    throw new Error(`${FLEET_HOST_V4} is already on interface ${dev}: another fleet lab is running or a crashed one left it (\`ip link del ${dev}\`).`);
  }
  const id = labId();
  const bridge = `pwfb${id}`.slice(0, 15);
  const servers: FleetServerLab[] = [];
  const handles: Lab[] = [];
  const teardown = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const s of servers) await s.sshd.stop().catch((e: Error) => problems.push(`sshd ${s.address}: ${e.message}`));
    for (const h of handles) problems.push(...(await h.teardown()));
    const del = await run('ip', ['link', 'del', bridge]);
    if (del.code !== 0 && !/Cannot find device|does not exist/.test(del.stderr)) problems.push(`ip link del ${bridge}: ${del.stderr.trim()}`);
    return problems;
  };

  try {
    await runOk('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await runOk('ip', ['addr', 'add', `${FLEET_HOST_V4}/24`, 'dev', bridge]);
    await runOk('ip', ['link', 'set', bridge, 'up']);
    const clientKey = await generateKey(dir, 'fleet_client_ed25519');
    const build = async (i: number): Promise<void> => {
      const ns = `pwf${id}x${i}`;
      const hostIf = `pf${i}h${id}`.slice(0, 15);
      const handle = namespaceHandle(ns, hostIf, 'eth0');
      handles.push(handle);
      const address = fleetAddress(i);
      await runOk('ip', ['netns', 'add', ns]);
      await runOk('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await runOk('ip', ['link', 'set', hostIf, 'master', bridge]);
      await runOk('ip', ['link', 'set', hostIf, 'up']);
      await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await runOk('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      await runOk('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await waitFor(`${ns}'s link up`, async () => ((await runOk('ip', ['-n', ns, '-o', 'link', 'show', 'dev', 'eth0'])).includes('LOWER_UP') ? true : undefined));
      const sshd = await startNamespacedSshd(handle, { address, extraAuthorizedKeys: [clientKey.publicLine] });
      servers.push({ address, lab: handle, sshd });
    };
    // A few at a time: key generation and sshd start are the slow part.
    for (let i = 0; i < count; i += 4) await Promise.all(Array.from({ length: Math.min(4, count - i) }, (_, k) => build(i + k)));
    servers.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
    return { servers, clientKey, knownHosts: servers.map((s) => s.sshd.knownHosts).join(''), teardown };
  } catch (error) {
    const problems = await teardown();
    throw new Error(`Could not build the fleet lab: ${(error as Error).message}${problems.length ? `; cleanup: ${problems.join('; ')}` : ''}`, { cause: error });
  }
}
