import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetDocument } from '../../shared/common/schema/fleet';
import { EXIT, runCli } from '../../shared/node/cli/main';
import { runFleet, type FleetServer } from '../../shared/node/fleet';
import type { PromptPort } from '../../shared/node/ssh/prompt';
import { waitFor } from './loopback';
import { fakeDestination, fleetIo, useFakeFleet } from './fake-fleet';
import { fleetWide, type FakeFleetServer } from '../shared/fleet-ssh-server';

/**
 * `portwise fleet` end to end, in process: the CLI against three SSH servers on loopback (ssh2's
 * own server, each on its own 127.0.0.x address, so each server is its own target). A server that
 * lets anyone in answers the collector's commands from canned outputs (the capability probe, ss,
 * ip route get, iptables-save -c); one refuses every login. Every connection and login is counted
 * in the servers themselves, and the capability probe can be held at a gate, so "at most N at once"
 * and a cancel in the middle of the logins are seen where they happen.
 */

let home: string;
let port = 0;
let servers: FakeFleetServer[] = [];
/** Holds the capability probes while closed: where "at most N at once" and a cancel are seen. */
const gate = useFakeFleet('pw-fleet-', ['stopped', 'refuse-login', 'rejecting', 'stopped'], (fleet) => ({ home, port, servers } = fleet));


const dest = fakeDestination;
const quick = ['--probes', '1', '--timeout', '1000', '--accept-new-host-key'];

describe('portwise fleet against three SSH servers on loopback', () => {
  it('--concurrency 2: never more than 2 connections at once; the refused login is typed on its row while the others finish; --json is one portwise.fleet/1 document', async () => {
    const [a, refusing, rejecting] = servers as [FakeFleetServer, FakeFleetServer, FakeFleetServer];
    gate.close();
    const f = await fleetIo(home, ['fleet', String(port), '--ssh', dest('alice', a), '--ssh', dest('bob', refusing), '--ssh', dest('carol', rejecting), '--concurrency', '2', '--json', ...quick]);
    const running = runCli(f.io);
    // The refused login frees its slot, so the third server starts: two logins now wait at the gate.
    await waitFor(() => gate.held.size === 2, 20_000, 'two servers at the gate');
    expect([...gate.held.keys()].sort()).toEqual([a.address, rejecting.address]);
    expect(fleetWide.open).toBe(2);
    expect(f.stderr()).toMatch(/\[1\/3\] bob@127\.0\.0\.3:\d+ {2}Refused {2}\S+.*; could not log in: /);
    gate.open();
    const code = await running;

    expect(fleetWide.max).toBe(2);
    expect([a.connections, refusing.connections, rejecting.connections]).toEqual([1, 1, 1]);
    const doc = FleetDocument.parse(JSON.parse(f.stdout()));
    expect(doc.schema).toBe('portwise.fleet/1');
    expect(doc.port).toBe(port);
    expect(doc.servers.map((s) => [s.server, s.target, s.failure?.kind ?? null])).toEqual([
      [dest('alice', a), `127.0.0.2:${port}`, null],
      [dest('bob', refusing), `127.0.0.3:${port}`, 'login-failed'],
      [dest('carol', rejecting), `127.0.0.4:${port}`, null],
    ]);
    // The refused login keeps its report: the probe from here stands, and the failure is typed.
    expect(doc.servers[1]?.failure).toMatchObject({ kind: 'login-failed', sshKind: 'auth-failed', hop: 1 });
    expect(doc.servers[1]?.report?.sshFailure?.kind).toBe('auth-failed');
    expect(doc.rows[0]).toMatchObject({ probe: 'Refused', listening: `Nothing listens on port ${port}`, firewall: 'No rule counted the probes', rule: null, failure: null });
    expect(doc.rows[1]).toMatchObject({ probe: 'Refused', listening: 'Not read: could not log in (auth-failed)', failure: 'login-failed' });
    expect(doc.rows[2]).toMatchObject({
      probe: 'Refused',
      listening: `0.0.0.0:${port} (postgres)`,
      firewall: 'REJECT tcp-reset (+3)',
      rule: `iptables-nft filter INPUT: -A INPUT -p tcp -m tcp --dport ${port} -j REJECT --reject-with tcp-reset`,
    });
    expect(doc.verdict).toMatchObject({ total: 3, failing: 3, loginFailed: [dest('bob', refusing)], cancelled: [], failed: [] });
    expect(doc.verdict.text).toMatch(/^3 of 3 refuse: .* Could not log in to bob@127\.0\.0\.3:\d+ \(auth-failed\)\.$/);
    expect(code).toBe(EXIT.ssh);
    expect(f.stderr()).toMatch(/SSH failed on 1 of 3 servers: bob@127\.0\.0\.3:\d+\n$/);
    // Every finished report is in the history (this run's own folder), the refused login's too.
    expect(await f.saved()).toHaveLength(3);
  });

  it('three servers that let us in, 2 at a time: the third logs in only once one of the first two is done; an aligned table on stdout, exit 0', async () => {
    const [a, , rejecting, b] = servers as [FakeFleetServer, FakeFleetServer, FakeFleetServer, FakeFleetServer];
    gate.close();
    const f = await fleetIo(home, ['fleet', String(port), '--ssh', dest('alice', a), '--ssh', dest('carol', rejecting), '--ssh', dest('dave', b), '--concurrency', '2', '--no-history', ...quick]);
    const running = runCli(f.io);
    await waitFor(() => gate.held.size === 2, 20_000, 'two servers at the gate');
    expect([...gate.held.keys()].sort()).toEqual([a.address, rejecting.address]);
    expect(b.connections).toBe(0);
    gate.held.get(a.address)?.();
    gate.held.delete(a.address);
    await waitFor(() => gate.held.has(b.address), 20_000, 'the third server at the gate');
    expect(a.open).toBe(0);
    gate.open();
    expect(await running).toBe(EXIT.found);
    expect(fleetWide.max).toBe(2);

    const lines = f.stdout().split('\n');
    expect(lines[0]).toMatch(/^SERVER +PROBE FROM HERE +LISTENING ON THE SERVER +FIREWALL +CAUSE +CONFIDENCE$/);
    const firewallAt = lines[0]!.indexOf('FIREWALL');
    expect(lines.slice(1, 4).map((l) => l.slice(0, l.indexOf(' ')))).toEqual([dest('alice', a), dest('carol', rejecting), dest('dave', b)]);
    expect(lines[2]!.slice(firewallAt)).toMatch(/^REJECT tcp-reset \(\+3\) /);
    expect(f.stdout()).toContain(`Rules that counted the probes:\n  ${dest('carol', rejecting)}  iptables-nft filter INPUT: -A INPUT -p tcp -m tcp --dport ${port} -j REJECT --reject-with tcp-reset\n`);
    expect(f.stdout()).toMatch(/\nVerdict: 3 of 3 refuse: [^\n]+\.\n$/);
    expect(f.stdout()).not.toContain('\u001b');
    // A progress line per server on stderr, in the order they ended, and nothing saved (--no-history).
    expect(f.stderr().match(/^\[\d\/3\] /gm)).toEqual(['[1/3] ', '[2/3] ', '[3/3] ']);
    expect(f.stderr()).not.toContain('history');
    expect(await f.saved()).toEqual([]);
  });

  it('Ctrl-C cancels every run: the logins waiting at the gate are closed in the servers, the server not yet started never connects, exit 130', async () => {
    const [a, , rejecting, b] = servers as [FakeFleetServer, FakeFleetServer, FakeFleetServer, FakeFleetServer];
    gate.close();
    const f = await fleetIo(home, ['fleet', String(port), '--ssh', dest('alice', a), '--ssh', dest('carol', rejecting), '--ssh', dest('dave', b), '--concurrency', '2', '--json', ...quick]);
    const running = runCli(f.io);
    await waitFor(() => gate.held.size === 2, 20_000, 'two servers at the gate');
    expect(fleetWide.open).toBe(2);
    expect(f.interrupts).toHaveLength(1);
    f.interrupts[0]?.();
    expect(await running).toBe(EXIT.interrupted);
    await waitFor(() => fleetWide.open === 0, 5000, 'the servers to see their connections closed');
    expect(b.connections).toBe(0);

    const doc = FleetDocument.parse(JSON.parse(f.stdout()));
    expect(doc.servers.map((s) => [s.failure?.kind, s.report])).toEqual([
      ['cancelled', null],
      ['cancelled', null],
      ['cancelled', null],
    ]);
    expect(doc.verdict.text).toBe(`No server was diagnosed. Cancelled: ${dest('alice', a)}, ${dest('carol', rejecting)}, ${dest('dave', b)}.`);
    expect(f.stderr()).toMatch(/Cancelled\.\n$/);
    expect(await f.saved()).toEqual([]);
  });

  it('a saved profile is one server among the --ssh ones (named by the profile, with its service); an unknown profile is a usage error before anything connects', async () => {
    const [a, , rejecting] = servers as [FakeFleetServer, FakeFleetServer, FakeFleetServer];
    // A password login (no agent here), its password from the variable named by --password-env.
    const f = await fleetIo(home, ['fleet', String(port), '--profile', 'db-a', '--ssh', dest('carol', rejecting), '--password-env', 'FLEET_PW', '--json', ...quick]);
    f.io.env.FLEET_PW = 'correct horse';
    const add = await runCli({ ...f.io, stdout: { write: () => true }, argv: ['profiles', 'add', '--name', 'db-a', '--host', a.address, '--port', String(a.sshPort), '--user', 'alice', '--auth', 'password', '--service', 'postgresql'] });
    expect(add).toBe(0);
    expect(await runCli(f.io)).toBe(EXIT.found);
    const doc = FleetDocument.parse(JSON.parse(f.stdout()));
    expect(doc.servers.map((s) => [s.server, s.profile, s.destination, s.target])).toEqual([
      ['db-a', 'db-a', dest('alice', a), `127.0.0.2:${port}`],
      [dest('carol', rejecting), null, dest('carol', rejecting), `127.0.0.4:${port}`],
    ]);
    expect(doc.servers[0]?.report?.service).toBe('postgresql');
    expect(doc.servers[1]?.report?.service).toBeNull();

    const unknown = await fleetIo(home, ['fleet', String(port), '--ssh', dest('carol', rejecting), '--profile', 'nope', ...quick]);
    expect(await runCli(unknown.io)).toBe(EXIT.usage);
    expect(unknown.stderr()).toMatch(/^portwise: .*nope.*"portwise profiles list" shows the saved ones\.\n$/);
    expect(unknown.stdout()).toBe('');
    expect(rejecting.connections).toBe(1);
  });

  it('an unknown host key is refused without --accept-new-host-key: asked nothing, typed on its row, exit 4', async () => {
    const [a] = servers as [FakeFleetServer];
    const f = await fleetIo(home, ['fleet', String(port), '--ssh', dest('alice', a), '--probes', '1', '--timeout', '1000', '--json']);
    expect(await runCli(f.io)).toBe(EXIT.ssh);
    const doc = FleetDocument.parse(JSON.parse(f.stdout()));
    expect(doc.servers[0]?.failure).toMatchObject({ kind: 'login-failed', sshKind: 'host-key-unknown' });
  });
});

describe('runFleet, the engine under the CLI', () => {
  const declineAll: PromptPort = { confirmHostKey: async () => false, passphrase: async () => null, password: async () => null, keyboardInteractive: async () => null };
  const server = (s: FakeFleetServer, user: string): FleetServer => ({
    label: user,
    profile: null,
    access: { destination: { user, host: s.address, port: s.sshPort }, jumps: [], identityFiles: [], knownHostsFiles: [], hostKeyPolicy: 'accept-new', sudo: false },
    service: null,
  });
  const request = async (list: FleetServer[], over: Partial<Parameters<typeof runFleet>[0]> = {}) => {
    const dir = await mkdtemp(join(home, 'engine-'));
    return { port, servers: list, options: { rounds: 1, timeoutMs: 1000, spacingMs: 0, closeGraceMs: 0 }, concurrency: 1, env: { HOME: dir, PORTWISE_HOME: join(dir, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' }, promptFor: () => declineAll, ...over };
  };

  it('one at a time: each server starts only after the one before it ended; results in the order given', async () => {
    const [a, , rejecting] = servers as [FakeFleetServer, FakeFleetServer, FakeFleetServer];
    const order: string[] = [];
    const fleet = await runFleet(await request([server(a, 'alice'), server(rejecting, 'carol')], {
      onServerStarted: (i) => order.push(`start ${i}`),
      onServerDone: (r, i, done) => order.push(`done ${i} (${done}) ${r.server}`),
    }));
    expect(order).toEqual(['start 0', 'done 0 (1) alice', 'start 1', 'done 1 (2) carol']);
    expect(fleetWide.max).toBe(1);
    expect(fleet.servers.map((r) => [r.server, r.failure, r.report?.outcome])).toEqual([
      ['alice', null, 'refused'],
      ['carol', null, 'refused'],
    ]);
    expect(fleet.cancelled).toBe(false);
    expect(fleet.rows).toHaveLength(2);
  });

  it('a signal aborted before the start: every server ends cancelled, none is started or connected to', async () => {
    const [a, , rejecting] = servers as [FakeFleetServer, FakeFleetServer, FakeFleetServer];
    const started: number[] = [];
    const fleet = await runFleet(await request([server(a, 'alice'), server(rejecting, 'carol')], { signal: AbortSignal.abort(), onServerStarted: (i) => started.push(i) }));
    expect(started).toEqual([]);
    expect(fleet.servers.map((r) => r.failure?.kind)).toEqual(['cancelled', 'cancelled']);
    expect(fleet.cancelled).toBe(true);
    expect(a.connections + rejecting.connections).toBe(0);
  });
});
