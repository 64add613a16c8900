import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePaste, serverFactsWithPastes, type PasteContext, type PastePatch } from '../../../shared/common/manual/paste';
import type { Capabilities } from '../../../shared/common/parsers/capabilities';
import { RemoteFacts as RemoteFactsSchema } from '../../../shared/common/schema/remote';
import type { Evidence } from '../../../shared/common/schema/report';
import type { PasteKind } from '../../../shared/common/tree/types';
import type { RemoteSession } from '../../../shared/node/remote/access';
import { collectRemote } from '../../../shared/node/remote/collect';
import { serverCommandPlan } from '../../../shared/common/remote/commands';
import { RemoteRunner, defaultRunnerOptions } from '../../../shared/node/remote/runner';
import type { ExecTransport } from '../../../shared/node/remote/transport';
import { scriptedTransport, type Answer } from '../../shared/framed-answer';

/**
 * The promise of manual mode: the output a person pastes gives the same facts as the same output
 * read over SSH. The SSH side is the real collector and runner, on a transport that answers each
 * command with a real fixture (the way the server did when it was captured); the paste side is
 * that same text. Fixtures: test/fixtures/{ss,ip,systemd,firewall,docker}/README.md.
 */

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

const PORT = 47103;
const ADDRESS = '198.18.0.2';
const SEQ = 'firewall/iptables-save/sequence/02-3x-8082-tcp-reset';


/** Emulates `ss -tlnpe4 'sport = :P'`: iproute2 6.1's header line, then the fixture's lines for that port. */
const ssFiltered = (file: string, port: number) =>
  ['State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess', ...fixture(`ss/${file}`).split('\n').filter((l) => new RegExp(`:${port} `).test(l))].map((l) => `${l}\n`).join('');

/** Emulates `docker inspect ID...`: the containers asked for, from the capture of all of them. */
function inspect(command: string): Answer {
  const all = JSON.parse(fixture('docker/inspect-all.json')) as { Id: string }[];
  return { stdout: `${JSON.stringify(all.filter((c) => command.includes(c.Id)), null, 4)}\n` };
}

const SERVER: [RegExp, (command: string) => Answer][] = [
  [/ss -tlnpe4/, (c) => ({ stdout: ssFiltered('ss-Htlnpe4.txt', Number(/sport = :(\d+)/.exec(c)?.[1])) })],
  [/ss -tlnpe6/, (c) => ({ stdout: ssFiltered('ss-Htlnpe6.txt', Number(/sport = :(\d+)/.exec(c)?.[1])) })],
  [/ip route get/, () => ({ stdout: fixture('ip/route-get-v4-local-198.18.0.2.txt') })],
  [/systemctl is-active/, () => ({ stdout: 'inactive\ninactive\ninactive\ninactive\n', code: 3 })],
  [/systemctl show/, () => ({ stdout: fixture('systemd/systemctl-show-nginx-port-conflict.txt') })],
  [/journalctl -u/, () => ({ stdout: fixture('systemd/journalctl-nginx-port-conflict.jsonl') })],
  [/ip6tables-nft-save/, () => ({ stdout: fixture(`${SEQ}/ip6tables-nft-save-c.txt`) })],
  [/iptables-nft-save/, () => ({ stdout: fixture(`${SEQ}/iptables-nft-save-c.txt`) })],
  [/cat \/proc\/net\/snmp/, () => ({ stdout: fixture('nstat/proc-net-snmp.txt') })],
  [/docker ps/, () => ({ stdout: fixture('docker/ps-a-json-cli20.jsonl') })],
  [/docker inspect/, inspect],
];

/** A server that answers from fixtures; `override` replaces answers (a daemon that is down, ...). */
function fixtureServer(override: [RegExp, (command: string) => Answer][] = []): { transport: ExecTransport; commands: string[] } {
  return scriptedTransport('fixture-server', (command) => {
    const handler = [...override, ...SERVER].find(([re]) => re.test(command));
    return handler ? handler[1](command) : { stderr: 'sh: 1: unknown: not found', code: 127 };
  });
}

const TOOLS = ['ss', 'ip', 'systemctl', 'journalctl', 'iptables-nft-save', 'ip6tables-nft-save', 'docker'];

async function collect(options: { tools?: string[]; override?: [RegExp, (command: string) => Answer][]; legacyTables?: Capabilities['legacyTables'] } = {}) {
  const server = fixtureServer(options.override);
  const capabilities: Capabilities = {
    kernel: 'Linux', kernelRelease: '6.18.44', osId: 'debian', osVersion: '12', uid: 0, user: 'root', tools: new Set(options.tools ?? TOOLS),
    sudo: false, systemd: true, busybox: false, bashDevTcp: false, iptablesBackend: 'nf_tables', legacyTables: options.legacyTables ?? { v4: null, v6: null },
  };
  const session: RemoteSession = {
    server: 'root@pw-lab-server:22',
    chain: undefined as never, // collectRemote never touches the SSH chain
    probeDigest: null,
    runner: new RemoteRunner(server.transport, defaultRunnerOptions),
    capabilities,
    probeOutput: '',
    close: async () => {},
  };
  const evidence: Evidence[] = [];
  const facts = await collectRemote(session, {
    port: PORT,
    failing: [{ address: ADDRESS, family: 4, sources: ['literal'], loopback: false, localInterface: null }],
    service: 'nginx',
    reprobe: async () => {},
    onEvidence: (e) => evidence.push(e),
  });
  expect(RemoteFactsSchema.safeParse(facts).success).toBe(true);
  return { facts, evidence, commands: server.commands };
}

const ctx: PasteContext = { port: PORT, failing: [{ address: ADDRESS, family: 4 }], service: 'nginx' };

function patch<K extends PasteKind>(kind: K, text: string): Extract<PastePatch, { kind: K }> {
  const r = parsePaste(kind, text, ctx);
  if (!r.ok) throw new Error(`paste failed: ${r.error.message}`);
  if (r.value.patch.kind !== kind) throw new Error('wrong patch kind');
  return r.value.patch as Extract<PastePatch, { kind: K }>;
}

describe('the same output over SSH and pasted gives the same facts', () => {
  it('listeners: ss per family over SSH, one mixed `ss -tlnpe` table pasted (`*` read alike)', async () => {
    const { facts } = await collect();
    const pasted = patch('listeners', fixture('ss/ss-Htlnpe.txt')).listeners;
    expect(facts.listeners.listeners).toHaveLength(1);
    expect(pasted.listeners).toEqual(facts.listeners.listeners);
    expect([pasted.status, facts.listeners.status]).toEqual(['ok', 'ok']);
  });

  it('service: systemctl show + journalctl -o json', async () => {
    const { facts } = await collect();
    const show = fixture('systemd/systemctl-show-nginx-port-conflict.txt');
    expect(facts.service?.signatures).toHaveLength(5);
    expect(patch('service', `${show}${fixture('systemd/journalctl-nginx-port-conflict.jsonl')}`).service).toEqual(facts.service);
  });

  it('after the probes, a rule set with no rules and only ACCEPT policies is not read again; the others are', async () => {
    // An IPv6 rule set with no rules and ACCEPT policies: nothing in it can count the probes.
    const emptyV6 = '# Generated by ip6tables-nft-save v1.8.9 (nf_tables)\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
    const { facts, commands, evidence } = await collect({ override: [[/ip6tables-nft-save/, () => ({ stdout: emptyV6 })]] });
    expect(commands.filter((c) => c.includes('ip6tables-nft-save'))).toHaveLength(1);
    expect(commands.filter((c) => c.includes('iptables-nft-save') && !c.includes('ip6tables'))).toHaveLength(2);
    expect(evidence.map((e) => e.id).filter((id) => id.startsWith('server:rules-'))).toEqual(['server:rules-iptables-nft-before', 'server:rules-ip6tables-nft-before', 'server:rules-iptables-nft-after']);
    // What the report holds is still both sets, in their order.
    expect(facts.firewall.snapshots.map((s) => s.source)).toEqual(['iptables-nft', 'ip6tables-nft']);
  });

  it('a legacy rule set the kernel holds no table for is not read; one it might hold (unknown, or present) is', async () => {
    const tools = [...TOOLS, 'iptables-legacy-save', 'ip6tables-legacy-save'];
    const empty = '# Generated by iptables-save v1.8.9\n';
    const override: [RegExp, (command: string) => Answer][] = [[/ip6?tables-legacy-save/, () => ({ stdout: empty })]];
    const legacyReads = (commands: string[]) => commands.filter((c) => c.includes('-legacy-save')).map((c) => /(ip6?tables)-legacy-save/.exec(c)?.[1]);
    const none = await collect({ tools, override, legacyTables: { v4: false, v6: false } });
    expect(legacyReads(none.commands)).toEqual([]);
    expect(none.facts.firewall.snapshots.map((s) => s.source)).toEqual(['iptables-nft', 'ip6tables-nft']);
    const v4Only = await collect({ tools, override, legacyTables: { v4: true, v6: false } });
    expect(legacyReads(v4Only.commands)).toEqual(['iptables']);
    const unknown = await collect({ tools, override });
    expect(legacyReads(unknown.commands).sort()).toEqual(['ip6tables', 'iptables']);
  });

  it('a rule set that holds rules, or a policy that is not ACCEPT, is read again after the probes', async () => {
    const dropPolicy = '*filter\n:INPUT DROP [12:720]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
    const { commands } = await collect({ override: [[/ip6tables-nft-save/, () => ({ stdout: dropPolicy })]] });
    expect(commands.filter((c) => c.includes('ip6tables-nft-save'))).toHaveLength(2);
    expect(commands.filter((c) => c.includes('iptables-nft-save') && !c.includes('ip6tables'))).toHaveLength(2);
  });

  it('firewall: iptables-save and ip6tables-save', async () => {
    const { facts } = await collect();
    const pasted = patch('firewall', fixture(`${SEQ}/iptables-nft-save-c.txt`) + fixture(`${SEQ}/ip6tables-nft-save-c.txt`));
    expect(pasted.snapshots).toEqual(facts.firewall.snapshots);
  });

  it('containers: docker ps -a, and docker inspect of the containers the collector chose', async () => {
    const { facts, commands } = await collect();
    const inspected = commands.find((c) => c.includes('docker inspect'))!;
    const pasted = patch('containers', `${fixture('docker/ps-a-json-cli20.jsonl')}${inspect(inspected).stdout}`).containers;
    expect(facts.containers?.source).toBe('docker ps -a + docker inspect');
    expect(pasted.containers).toEqual(facts.containers?.containers);
    expect(facts.containers?.containers.find((c) => c.name === 'oom')).toMatchObject({ oomKilled: true, exitCode: 137 });
  });

  it('addresses: ip route get over SSH, ip -o addr show pasted: the same ownership', async () => {
    const { facts } = await collect();
    const pasted = patch('addresses', fixture('ip/ip-o-addr-show.txt')).ownership;
    expect(pasted.map((o) => [o.address, o.owned])).toEqual(facts.ownership.map((o) => [o.address, o.owned]));
  });

  it('SSH without root for the rules, then the rules pasted: the pasted set joins the SSH facts', async () => {
    const noRoot: Answer = { stderr: 'iptables-nft-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n', code: 1 };
    const { facts } = await collect({ override: [[/ip6tables-nft-save/, () => noRoot], [/iptables-nft-save/, () => noRoot]] });
    expect(facts.firewall.snapshots).toEqual([]);
    expect(facts.firewall.unreadable.map((u) => [u.source, u.status])).toEqual([['iptables-nft', 'needs-privilege'], ['ip6tables-nft', 'needs-privilege']]);
    const merged = serverFactsWithPastes(facts, [patch('firewall', fixture(`${SEQ}/iptables-nft-save-c.txt`))], 'ignored');
    expect(merged.origin).toBe('ssh');
    expect(merged.server).toBe('root@pw-lab-server:22');
    expect(merged.firewall.snapshots.map((s) => s.source)).toEqual(['iptables-nft']);
    expect(merged.firewall.unreadable.map((u) => u.source)).toEqual(['ip6tables-nft']);
    expect(merged.listeners).toBe(facts.listeners);
    expect(RemoteFactsSchema.safeParse(merged).success).toBe(true);
  });
});

describe('collectRemote: containers', () => {
  it('runs docker ps, then inspects only the containers on the port or not running, and records both runs', async () => {
    const { facts, evidence, commands } = await collect();
    const inspected = commands.find((c) => c.includes('docker inspect'))!;
    // Port 47103 is no container's: only the four that are not running are inspected.
    const ids = (JSON.parse(fixture('docker/inspect-all.json')) as { Id: string; Name: string }[]).filter((c) => inspected.includes(c.Id)).map((c) => c.Name);
    expect(ids).toEqual(['/killed', '/exit1', '/crashloop', '/oom']);
    expect(facts.containers?.status).toBe('ok');
    expect(facts.containers?.containers.filter((c) => c.restartCount !== null).map((c) => c.name)).toEqual(['oom', 'crashloop', 'exit1', 'killed']);
    expect(evidence.filter((e) => e.id.startsWith('server:containers-')).map((e) => [e.id, e.origin, e.status])).toEqual([
      ['server:containers-ps', 'collected', 'ok'],
      ['server:containers-inspect', 'collected', 'ok'],
    ]);
    expect(evidence.find((e) => e.id === 'server:containers-ps')?.command).toBe("docker ps -a --no-trunc --format '{{json .}}'");
    expect(evidence.find((e) => e.id === 'server:containers-inspect')?.command).toMatch(/^docker inspect( [0-9a-f]{64}){4}$/);
    expect(evidence.find((e) => e.id === 'server:containers-ps')?.summary).toBe('8 containers; none publishes or exposes port 47103; not running: oom exited, crashloop restarting, exit1 exited, killed exited');
  });

  it('a daemon that is down is `unsupported`, no permission is `needs-privilege`, no docker is no fact', async () => {
    const down = await collect({ override: [[/docker ps/, () => ({ stderr: fixture('docker/error-daemon-down-cli20.stderr.txt'), code: 1 })]] });
    expect(down.facts.containers).toEqual({
      status: 'unsupported', source: 'docker ps -a', containers: [],
      reason: 'the Docker daemon is not running: Cannot connect to the Docker daemon at unix:///tmp/pw-dockerfx/missing.sock. Is the docker daemon running?',
    });
    const denied = await collect({ override: [[/docker ps/, () => ({ stderr: fixture('docker/error-permission-denied-cli28.stderr.txt'), code: 1 })]] });
    expect(denied.facts.containers).toMatchObject({ status: 'needs-privilege', containers: [] });
    expect(denied.commands.some((c) => c.includes('docker inspect'))).toBe(false);
    const none = await collect({ tools: TOOLS.filter((t) => t !== 'docker') });
    expect(none.facts.containers).toBeNull();
    expect(none.commands.some((c) => c.includes('docker'))).toBe(false);
  });
});

describe('the preview the wizard shows is what the collector runs', () => {
  it('every command run over SSH is one the plan lists for this port, address and service', async () => {
    const { evidence } = await collect({ tools: [...TOOLS, 'bash', 'timeout', 'nft', 'iptables-legacy-save', 'ip6tables-legacy-save'] });
    const plan = serverCommandPlan({ port: PORT, addresses: [ADDRESS], service: 'nginx' }).flatMap((p) => p.commands);
    const ran = evidence.filter((e) => e.facts.check === 'remote-command').map((e) => e.command.replace(/^sudo -n /, ''));
    expect(ran.length).toBeGreaterThan(10);
    for (const command of ran) {
      const listed = command.startsWith('docker inspect ') ? plan.some((p) => p.startsWith('docker inspect ')) : plan.includes(command);
      expect(listed, command).toBe(true);
    }
  });
});

describe('evidence of a failed read', () => {
  it('a failed IPv4 ss read does not hide the IPv6 one: both are evidence, and the listeners are not claimed read', async () => {
    const { facts, evidence } = await collect({ override: [[/ss -tlnpe4/, () => ({ stderr: 'Cannot open netlink socket: Operation not permitted', code: 1 })]] });
    const ids = evidence.map((e) => e.id);
    expect(ids).toContain('server:listeners-ss4');
    expect(ids).toContain('server:listeners-ss6');
    expect(evidence.find((e) => e.id === 'server:listeners-ss6')?.status).toBe('ok');
    expect(facts.listeners.status).not.toBe('ok');
    expect(facts.listeners.listeners).toEqual([]);
  });

  it('kernel counters: read on a server with both files, and on one without IPv6 (cat exits 1 after /proc/net/snmp); one without /proc/net/snmp does not claim zero', async () => {
    const both = await collect();
    expect(both.evidence.find((e) => e.id === 'server:kernel-counters-before')?.status).toBe('ok');
    expect(both.facts.kernelAnswers).toMatchObject({ tcpResets: 0, icmpUnreachable: 0 });
    const noV6 = await collect({ override: [[/cat \/proc\/net\/snmp/, () => ({ stdout: fixture('nstat/proc-net-snmp.txt'), stderr: 'cat: /proc/net/snmp6: No such file or directory', code: 1 })]] });
    expect(noV6.evidence.find((e) => e.id === 'server:kernel-counters-before')?.status).toBe('ok');
    expect(noV6.facts.kernelAnswers).toMatchObject({ tcpResets: 0, icmpUnreachable: 0 });
    const none = await collect({ override: [[/cat \/proc\/net\/snmp/, () => ({ stdout: '', stderr: 'cat: /proc/net/snmp: No such file or directory\ncat: /proc/net/snmp6: No such file or directory', code: 1 })]] });
    expect(none.evidence.find((e) => e.id === 'server:kernel-counters-before')?.summary).toBe('counters unreadable');
    expect(none.facts.kernelAnswers).toBeNull();
  });
});
