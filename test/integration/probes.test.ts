import type net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProbeAttempt } from '../../shared/common/schema/probe';
import type { Target } from '../../shared/common/schema/target';
import { resolveTarget } from '../../shared/node/probes/dns';
import { probeAddress } from '../../shared/node/probes/tcp';
import { KeptSocket } from '../../shared/node/ssh/kept-socket';
import { closedPort, listen, waitFor, type TestServer } from './loopback';

const quick = { timeoutMs: 2000, closeGraceMs: 100 };
const servers: TestServer[] = [];
const serve = async (...args: Parameters<typeof listen>) => {
  const s = await listen(...args);
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('probeAddress on loopback', () => {
  it('a closed port is refused with ECONNREFUSED', async () => {
    const port = await closedPort('127.0.0.1');
    const a = await probeAddress('127.0.0.1', 4, port, 1, quick);
    expect(ProbeAttempt.parse(a)).toEqual(a);
    expect(a).toMatchObject({ address: '127.0.0.1', family: 4, port, round: 1, status: 'refused', errno: 'ECONNREFUSED', detail: 'Connection refused', afterConnect: false, banner: null });
    expect(a.ms).toBeGreaterThanOrEqual(0);
    expect(a.ms).toBeLessThan(quick.timeoutMs);
  });

  it('a closed port on ::1 is refused too (family 6)', async () => {
    const port = await closedPort('::1');
    const a = await probeAddress('::1', 6, port, 3, quick);
    expect(a).toMatchObject({ address: '::1', family: 6, round: 3, status: 'refused', errno: 'ECONNREFUSED' });
  });

  it('an open port connects, and the server saw the connection', async () => {
    const s = await serve({ host: '127.0.0.1' });
    const a = await probeAddress('127.0.0.1', 4, s.port, 1, quick);
    expect(a).toMatchObject({ status: 'connected', errno: null, afterConnect: false, banner: null });
    expect(s.accepted).toHaveLength(1);
  });

  it('probes exactly the address given: 127.0.0.1 listener, ::1 probe is refused', async () => {
    const s = await serve({ host: '127.0.0.1' });
    const a = await probeAddress('::1', 6, s.port, 1, quick);
    expect(a.status).toBe('refused');
    expect(s.accepted).toHaveLength(0);
  });

  it('a server that accepts and destroys at once -> reset after connect', async () => {
    const s = await serve({ host: '127.0.0.1', onConnection: (socket) => socket.destroy() });
    const a = await probeAddress('127.0.0.1', 4, s.port, 1, quick);
    expect(a.status).toBe('reset');
    expect(a.afterConnect).toBe(true);
    expect(['EOF', 'ECONNRESET']).toContain(a.errno);
    expect(a.banner).toBeNull();
  });

  it('a server that accepts and sends an RST -> reset ECONNRESET', async () => {
    const s = await serve({ host: '127.0.0.1', onConnection: (socket) => socket.resetAndDestroy() });
    const a = await probeAddress('127.0.0.1', 4, s.port, 1, quick);
    expect(a).toMatchObject({ status: 'reset', errno: 'ECONNRESET', afterConnect: true, detail: 'Connection reset by peer' });
  });

  it('a server that writes a banner then ends -> reset EOF with the banner', async () => {
    const banner = '-DENIED Redis is running in protected mode because protected mode is enabled\r\n';
    const s = await serve({ host: '127.0.0.1', onConnection: (socket) => socket.end(banner) });
    const a = await probeAddress('127.0.0.1', 4, s.port, 1, quick);
    expect(a).toMatchObject({ status: 'reset', errno: 'EOF', afterConnect: true, banner });
  });

  it('a binary banner is made printable and capped at 256 characters', async () => {
    const s = await serve({ host: '127.0.0.1', onConnection: (socket) => socket.end(Buffer.concat([Buffer.from([0, 1, 0x1b, 0xff]), Buffer.alloc(1000, 0x41)])) });
    const a = await probeAddress('127.0.0.1', 4, s.port, 1, quick);
    expect(a.banner).toHaveLength(256);
    expect(a.banner).toMatch(/^\.\.\.\.A+$/);
  });

  it('an already-aborted signal resolves at once without connecting', async () => {
    const s = await serve({ host: '127.0.0.1' });
    const a = await probeAddress('127.0.0.1', 4, s.port, 1, quick, AbortSignal.abort());
    expect(a).toMatchObject({ status: 'timeout', errno: 'ABORTED' });
    expect(s.accepted).toHaveLength(0);
  });

  it('an abort while the probe waits resolves promptly (not after the grace window)', async () => {
    const s = await serve({ host: '127.0.0.1' });
    const controller = new AbortController();
    // A one-minute grace window: without a working abort this test hits vitest's 5 s limit.
    const pending = probeAddress('127.0.0.1', 4, s.port, 1, { timeoutMs: 60_000, closeGraceMs: 60_000 }, controller.signal);
    await waitFor(() => s.accepted.length === 1, 5000, 'the server to accept');
    controller.abort();
    const a = await pending;
    expect(a.errno).toBe('ABORTED');
  });
});

describe('resolveTarget', () => {
  const hostsFixture = new URL('../fixtures/hosts/hosts-docker-style-with-overrides.txt', import.meta.url).pathname;
  const name = (host: string): Target => ({ host, port: 80, hostKind: 'name' });

  it('localhost resolves to loopback addresses found in the hosts file, without asking DNS', async () => {
    const { resolution, raw } = await resolveTarget(name('localhost'), { dnsTimeoutMs: 1000, maxAddresses: 16, hostsFilePath: hostsFixture });
    expect(resolution.status).toBe('resolved');
    if (resolution.status !== 'resolved') return;
    expect(resolution.name).toBe('localhost');
    expect(resolution.dnsQueried).toBe(false);
    expect(resolution.hostsFile).toBe(hostsFixture);
    expect(resolution.addresses.length).toBeGreaterThan(0);
    for (const a of resolution.addresses) {
      expect(['127.0.0.1', '::1']).toContain(a.address);
      expect(a).toMatchObject({ loopback: true, localInterface: null, family: a.address === '::1' ? 6 : 4 });
      expect(a.sources).toContain('hosts-file');
      expect(a.sources).not.toContain('dns');
    }
    expect(raw).toContain('getaddrinfo(localhost)');
    expect(raw).toContain('not asked (localhost)');
  });

  it('an unreadable hosts file is reported as null, not a failure', async () => {
    const { resolution } = await resolveTarget(name('localhost'), { dnsTimeoutMs: 1000, maxAddresses: 16, hostsFilePath: '/nonexistent/hosts' });
    expect(resolution.status === 'resolved' && resolution.hostsFile).toBeNull();
    expect(resolution.status === 'resolved' && resolution.addresses.every((a) => !a.sources.includes('hosts-file'))).toBe(true);
  });

  it('no-such-host.invalid fails with ENOTFOUND', async () => {
    const { resolution } = await resolveTarget(name('no-such-host.invalid'), { dnsTimeoutMs: 1000, maxAddresses: 16, hostsFilePath: hostsFixture });
    expect(resolution).toMatchObject({ status: 'failed', name: 'no-such-host.invalid', errno: 'ENOTFOUND' });
    expect(resolution.status === 'failed' && resolution.message).toMatch(/does not exist/);
  });

  it.each([
    [{ host: '127.0.0.1', port: 80, hostKind: 'ipv4' }, 4],
    [{ host: '::1', port: 80, hostKind: 'ipv6' }, 6],
    [{ host: '192.0.2.55', port: 80, hostKind: 'ipv4' }, 4],
  ] as const)('a literal %j is itself, with no lookup', async (t, family) => {
    const { resolution, raw } = await resolveTarget({ ...t });
    expect(resolution).toMatchObject({ status: 'resolved', name: t.host, dnsQueried: false, hostsFile: null, dnsOnlyAddresses: [] });
    if (resolution.status !== 'resolved') return;
    expect(resolution.addresses).toEqual([{ address: t.host, family, sources: ['literal'], loopback: t.host !== '192.0.2.55', localInterface: null }]);
    expect(raw).toMatch(/address literal/);
  });
});

describe('probeAddress with `keep`: the connection is handed over, not closed', () => {
  /** Probes with `keep`, and the connection it was handed. */
  const probeKeeping = async (port: number) => {
    let kept: net.Socket | null = null;
    const attempt = await probeAddress('127.0.0.1', 4, port, 1, { ...quick, keep: (socket) => (kept = socket) });
    return { attempt, socket: kept as net.Socket | null };
  };

  it('what the server sends first waits in it for the next owner, however late that one reads', async () => {
    const line = 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n';
    let sent = false;
    const s = await serve({ host: '127.0.0.1', onConnection: (socket) => socket.write(line, () => (sent = true)) });
    const { attempt, socket } = await probeKeeping(s.port);
    expect(attempt).toMatchObject({ status: 'connected', banner: null });
    const held = new KeptSocket(socket!);
    await waitFor(() => sent, 2000, 'the server to send its version line');
    // Time for loopback to deliver it. Whatever arrived stays unread (in the socket or the kernel):
    // the connection is still paused after the ticks in which the probe let go of it, so nothing
    // was emitted to no one while no listener was there.
    await new Promise((r) => setTimeout(r, 50));
    expect(socket!.isPaused()).toBe(true);
    // ssh2 turns Nagle off only on sockets it opens itself: the login's would otherwise wait 40 ms
    // for the server's delayed ACK in the handshake.
    const noDelay = vi.spyOn(socket!, 'setNoDelay');
    const taken = held.take();
    expect(taken).toBe(socket);
    expect(noDelay).toHaveBeenCalledWith(true);
    expect(held.take()).toBeNull();
    const received = new Promise<string>((resolve) => taken!.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
    taken!.resume();
    expect(await received).toBe(line);
    taken!.destroy();
  });

  it('a connection the server reset before it was taken is not handed on', async () => {
    const s = await serve({ host: '127.0.0.1', onConnection: (socket) => socket.resetAndDestroy() });
    const { attempt, socket } = await probeKeeping(s.port);
    // On loopback the reset can overtake the connect: then there is nothing to keep.
    if (attempt.status !== 'connected') return expect(socket).toBeNull();
    const held = new KeptSocket(socket!);
    await waitFor(() => socket!.destroyed, 2000, 'the reset to reach the kept connection');
    expect(held.take()).toBeNull();
  });

  it('dispose closes a connection no one took; the server sees it close', async () => {
    const s = await serve({ host: '127.0.0.1' });
    const { socket } = await probeKeeping(s.port);
    const held = new KeptSocket(socket!);
    await waitFor(() => s.accepted.length === 1, 2000, 'the server to accept');
    let closed = false;
    s.accepted[0]!.once('close', () => (closed = true));
    held.dispose();
    await waitFor(() => closed, 2000, 'the server to see the close');
    expect(held.take()).toBeNull();
  });

  it('without `keep` an accepted connection is closed as before', async () => {
    const s = await serve({ host: '127.0.0.1' });
    const a = await probeAddress('127.0.0.1', 4, s.port, 1, { ...quick, closeGraceMs: 0 });
    expect(a.status).toBe('connected');
    await waitFor(() => s.accepted.length === 1 && s.accepted[0]!.readableEnded, 2000, 'the server to see the end');
  });
});
