import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, utils, type Connection } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeOptions } from '../../shared/common/schema/probe';
import { Report, type Evidence } from '../../shared/common/schema/report';
import { parseTarget } from '../../shared/common/schema/target';
import { startDiagnosis } from '../../shared/node/session';
import type { SshAccess } from '../../shared/node/remote/access';
import type { PromptPort } from '../../shared/node/ssh/prompt';
import { closedPort } from './loopback';
import { ConnectionTest } from '../../shared/common/schema/connection-test';
import { testConnection } from '../../shared/node/remote/test-connection';
import { ed25519KeyPair } from '../shared/ed25519-key';

/**
 * The session's failed SSH login, against in-process SSH servers on loopback (ssh2's own server):
 * a jump host that lets anyone in and forwards, and behind it servers that fail in each way. The
 * report's `sshFailure` and the `ssh-login` evidence must carry the failure as fields.
 */

const options: ProbeOptions = { rounds: 1, timeoutMs: 1000, spacingMs: 0, closeGraceMs: 0 };

interface HostKey {
  private: string;
  type: string;
  base64: string;
  fingerprint: string;
}

function hostKey(): HostKey {
  const pair = ed25519KeyPair();
  const parsed = utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  const blob = parsed.getPublicSSH();
  return { private: pair.private, type: parsed.type, base64: blob.toString('base64'), fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}` };
}

interface FakeSshd {
  port: number;
  key: HostKey;
  /** TCP connections accepted so far (a connect that never speaks SSH counts too). */
  connections(): number;
  /** Those of them still open. */
  open(): number;
  close(): Promise<void>;
}

/** `auth`: 'any' lets every user in with "none"; 'publickey-only' offers publickey and accepts nothing. */
function fakeSshd(auth: 'any' | 'publickey-only'): Promise<FakeSshd> {
  const key = hostKey();
  const clients = new Set<Connection>();
  let connections = 0;
  let open = 0;
  const server = new Server({ hostKeys: [key.private] }, (client) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(client));
    client.on('authentication', (ctx) => (auth === 'any' ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('tcpip', (accept, _reject, info) => {
      const stream = accept();
      const socket = net.connect(info.destPort, info.destIP);
      socket.on('error', () => stream.destroy());
      stream.on('error', () => socket.destroy());
      stream.pipe(socket).pipe(stream);
    });
  });
  // Counted at the TCP level: a connect that never speaks SSH (the baseline's) counts too.
  const tcp = net.createServer((socket) => {
    connections++;
    open++;
    socket.once('close', () => open--);
    server.injectSocket(socket);
  });
  return new Promise((resolve) => {
    tcp.listen(0, '127.0.0.1', () => {
      const port = (tcp.address() as net.AddressInfo).port;
      resolve({
        port,
        key,
        connections: () => connections,
        open: () => open,
        close: () =>
          new Promise<void>((done) => {
            for (const c of clients) c.end();
            tcp.close(() => done());
          }),
      });
    });
  });
}

const refusePrompts: PromptPort = {
  confirmHostKey: async () => false,
  passphrase: async () => null,
  password: async () => null,
  keyboardInteractive: async () => null,
};

let home: string;
let jump: FakeSshd;
let changed: FakeSshd;
let strict: FakeSshd;
/** Not in any known_hosts file. */
let fresh: FakeSshd;
/** The key the known_hosts file pins for `changed` (not the one it presents). */
let pinned: HostKey;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'portwise-session-ssh-'));
  [jump, changed, strict, fresh] = await Promise.all([fakeSshd('any'), fakeSshd('any'), fakeSshd('publickey-only'), fakeSshd('any')]);
  pinned = hostKey();
  await mkdir(join(home, '.ssh'), { recursive: true });
  const line = (port: number, key: HostKey) => `[127.0.0.1]:${port} ${key.type} ${key.base64}`;
  await writeFile(join(home, '.ssh', 'known_hosts'), [line(jump.port, jump.key), line(changed.port, pinned), line(strict.port, strict.key)].join('\n') + '\n');
});

afterAll(async () => {
  await Promise.all([jump, changed, strict, fresh].map((s) => s?.close()));
  if (home) await rm(home, { recursive: true, force: true });
});

/** A diagnosis of a closed port on loopback with SSH access through the jump host; its report and login evidence. */
async function diagnoseThrough(serverPort: number, access: Partial<SshAccess> = {}): Promise<{ report: Report; login: Extract<Evidence['facts'], { check: 'ssh-login' }> }> {
  const input = `127.0.0.1:${await closedPort('127.0.0.1')}`;
  const target = parseTarget(input);
  if (!target.ok) throw new Error(target.error.message);
  const env = { HOME: home, PORTWISE_HOME: join(home, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const run = startDiagnosis({
    runId: 'ssh-failure',
    input,
    target: target.value,
    options,
    env,
    onEvent: () => undefined,
    remote: {
      access: {
        destination: { user: 'alice', host: '127.0.0.1', port: serverPort },
        jumps: [{ user: 'me', host: '127.0.0.1', port: jump.port }],
        identityFiles: [],
        knownHostsFiles: [],
        hostKeyPolicy: 'refuse',
        sudo: false,
        ...access,
      },
      service: null,
      prompt: refusePrompts,
    },
  });
  const end = await run.done;
  if (end.status !== 'finished') throw new Error(`run ended ${end.status}`);
  const report = Report.parse(JSON.parse(JSON.stringify(end.report)));
  const facts = report.evidence.find((e) => e.id === 'ssh-login')?.facts;
  if (facts?.check !== 'ssh-login') throw new Error('no ssh-login evidence');
  return { report, login: facts };
}

const jumpHop = () => ({ index: 1, total: 2, user: 'me', host: '127.0.0.1', port: jump.port, role: 'jump' });
const serverHop = (port: number) => ({ index: 2, total: 2, user: 'alice', host: '127.0.0.1', port, role: 'target' });

describe('startDiagnosis: a failed SSH login carries its facts as fields', () => {
  it('a changed host key behind a jump host: the hop, the chain, both keys', async () => {
    const { report, login } = await diagnoseThrough(changed.port);
    const fields = {
      failedHop: serverHop(changed.port),
      chain: [
        { hop: jumpHop(), status: 'ok' },
        { hop: serverHop(changed.port), status: 'failed' },
      ],
      presented: { keyType: 'ssh-ed25519', fingerprint: changed.key.fingerprint, key: changed.key.base64 },
      known: [{ keyType: 'ssh-ed25519', fingerprint: pinned.fingerprint, file: join(home, '.ssh', 'known_hosts'), line: 2 }],
      methodsTried: [],
      serverMethods: null,
      keyPath: null,
    };
    expect(report.sshFailure).toEqual({ kind: 'host-key-changed', message: expect.stringMatching(/^target host 2 of 2, alice@127\.0\.0\.1:\d+: the host key has CHANGED/), hop: 2, ...fields });
    expect(login).toEqual({ check: 'ssh-login', server: `alice@127.0.0.1:${changed.port}`, ok: false, errorKind: 'host-key-changed', hops: [], ...fields });
  });

  it('authentication refused by the server: what was tried and what it offers', async () => {
    const { report, login } = await diagnoseThrough(strict.port);
    expect(report.sshFailure).toMatchObject({
      kind: 'auth-failed',
      hop: 2,
      failedHop: serverHop(strict.port),
      chain: [{ status: 'ok' }, { status: 'failed' }],
      presented: null,
      known: [],
      methodsTried: [],
      serverMethods: ['publickey'],
      keyPath: null,
    });
    expect(login).toMatchObject({ errorKind: 'auth-failed', serverMethods: ['publickey'] });
  });

  it('an unreadable identity file: its path; a jump host never reached is "not-reached"', async () => {
    const keyPath = join(home, 'no-such-key');
    const { report } = await diagnoseThrough(changed.port, { identityFiles: [keyPath] });
    expect(report.sshFailure).toMatchObject({
      kind: 'key-unreadable',
      hop: 1,
      failedHop: jumpHop(),
      chain: [
        { hop: jumpHop(), status: 'failed' },
        { hop: serverHop(changed.port), status: 'not-reached' },
      ],
      keyPath,
    });
  });
});

describe('startDiagnosis: the baseline round trip to the SSH port', () => {
  /** All of the server's connections closed (the server sees a close a moment after the client). */
  const allClosed = async (server: FakeSshd) => {
    for (let i = 0; i < 100 && server.open() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    return server.open();
  };

  it('stops after one connect when that one cannot place the refusal near this computer, and logs in over it (each connect costs the server a process)', async () => {
    const before = strict.connections();
    const { report, login } = await diagnoseThrough(strict.port, { jumps: [] });
    // Loopback answers in well under the 2 ms below which timing cannot tell near from far: the
    // fastest of more samples could not change T7's answer, so one baseline connect, which the
    // login then uses: one connection in all.
    expect(strict.connections() - before).toBe(1);
    const baseline = report.evidence.find((e) => e.id === 'baseline');
    expect(baseline?.facts).toMatchObject({ check: 'baseline', attempt: { status: 'connected', port: strict.port } });
    expect(baseline?.summary).toMatch(/one sample was enough/);
    // The login did take place over it: the server refused the key it was offered.
    expect(login).toMatchObject({ ok: false, errorKind: 'auth-failed', serverMethods: ['publickey'] });
    expect(await allClosed(strict)).toBe(0);
  });

  it('a login over the kept connection reads what the server sent before the SSH code took it', async () => {
    const before = jump.connections();
    // The fake server sends its version line as soon as it accepts; the login starts later (it
    // reads the settings first), so those bytes wait in the kept connection and must not be lost.
    const { report } = await diagnoseThrough(jump.port, { jumps: [] });
    expect(jump.connections() - before).toBe(1);
    // Logged in: what stops it next is that this fake server opens no shells.
    expect(report.sshFailure?.message).toMatch(/could not start a shell/);
    expect(await allClosed(jump)).toBe(0);
  });

  it('with jump hosts the login goes through them, and the baseline connection is closed, not left open', async () => {
    const before = strict.connections();
    await diagnoseThrough(strict.port);
    // The baseline connect from here, then the jump host's forward to the server.
    expect(strict.connections() - before).toBe(2);
    expect(await allClosed(strict)).toBe(0);
  });
});

describe('testConnection: hop by hop, asking nothing', () => {
  const env = () => ({ HOME: home, PORTWISE_HOME: join(home, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' });
  const through = (serverPort: number): SshAccess => ({
    destination: { user: 'alice', host: '127.0.0.1', port: serverPort },
    jumps: [{ user: 'bob', host: '127.0.0.1', port: jump.port }],
    identityFiles: [],
    knownHostsFiles: [],
    hostKeyPolicy: 'ask',
    sudo: false,
  });
  const run = async (access: SshAccess) => ConnectionTest.parse(await testConnection(access, env()));

  it('an unknown server key behind a known jump host: hop 1 logged in, hop 2 reports the key to compare and pin', async () => {
    const test = await run(through(fresh.port));
    expect(test.ok).toBe(false);
    expect(test.hops.map((h) => [h.hop.index, h.tcp, h.hostKey.status, h.login])).toEqual([
      [1, 'ok', 'checked', 'ok'],
      [2, 'ok', 'unknown', 'not-tried'],
    ]);
    expect(test.hops[1]?.hostKey).toEqual({ status: 'unknown', keyType: 'ssh-ed25519', fingerprint: fresh.key.fingerprint, key: fresh.key.base64 });
    // Nothing was pinned: a test never trusts a key on its own.
    expect(test.server).toBeNull();
  });

  it('a changed key, a refused login and a closed SSH port are each named at their hop', async () => {
    expect((await run(through(changed.port))).hops[1]).toMatchObject({ tcp: 'ok', hostKey: { status: 'changed', fingerprint: changed.key.fingerprint, key: null }, login: 'not-tried' });
    expect((await run(through(strict.port))).hops[1]).toMatchObject({ tcp: 'ok', login: 'failed' });
    const closed = await closedPort('127.0.0.1');
    const direct = await run({ ...through(closed), jumps: [] });
    expect(direct.hops).toMatchObject([{ hop: { index: 1, total: 1 }, tcp: 'failed', login: 'not-tried' }]);
    expect(direct.message).toMatch(/127\.0\.0\.1/);
  });
});
