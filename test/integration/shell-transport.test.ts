import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRunner, defaultRunnerOptions } from '../../shared/node/remote/runner';
import { defaultShellPool, shellTransport, type ShellPoolOptions, type ShellTransport } from '../../shared/node/remote/shell-transport';
import { SshError } from '../../shared/node/ssh/errors';
import type { Client } from '../../shared/node/ssh/ssh2';
import { sh } from '../../shared/common/shell';
import { shellServer, type ShellServer } from '../shared/shell-server';
import { waitFor } from './loopback';

/**
 * The session's one shell (remote/shell-transport.ts) over a real SSH protocol (ssh2's server) to a
 * real local `sh`: commands in turn on one exec channel, each with its own output, stderr and exit code.
 */
let server: ShellServer;
let client: Client;
let transport: ShellTransport;

const options = { timeoutMs: 5000, maxBytes: 1024 * 1024 };

beforeAll(async () => {
  // A chatty rc file: its lines land before the first command, on both streams.
  server = await shellServer({ noise: 'Welcome! pyenv: rehashing' });
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  transport?.close();
  client?.end();
});

/** One shell at most, unless a test says otherwise: the order of commands in one shell is what most tests are about. */
async function fresh(pool: ShellPoolOptions = { ...defaultShellPool, maxShells: 1 }, on: ShellServer = server): Promise<ShellTransport> {
  on.execs.length = 0;
  client = await on.connect();
  transport = shellTransport(client, 'tester@127.0.0.1', pool);
  return transport;
}

describe('one shell for a session', () => {
  it('runs commands in turn on one exec channel: each gets its own stdout, stderr and exit code', async () => {
    const t = await fresh();
    const results = await Promise.all([
      t.exec(`printf 'one\\n'; printf 'err one\\n' >&2; exit 3`, options),
      t.exec(`printf 'two'`, options),
      t.exec(`echo "$0" | grep -c sh; false`, options),
      t.exec(`cat; echo read-nothing`, options),
    ]);
    expect(server.execs).toEqual(['sh']);
    expect(t.shellsStarted).toBe(1);
    // The rc noise precedes the first command: the runner's frame cuts it away (below), not this layer.
    expect(results[0]!.stdout).toBe('Welcome! pyenv: rehashing\none\n');
    expect(results[0]!.stderr).toBe('Welcome! pyenv: rehashing\nerr one\n');
    expect(results[0]!.code).toBe(3);
    expect(results[1]).toMatchObject({ stdout: 'two', stderr: '', code: 0, timedOut: false, truncated: false });
    expect(results[2]).toMatchObject({ stdout: '1\n', code: 1 });
    // A command that reads its stdin gets /dev/null, not the commands queued after it.
    expect(results[3]).toMatchObject({ stdout: 'read-nothing\n', code: 0 });
  });

  it('under the runner: the frames cut the rc noise away, and quoted arguments arrive as typed', async () => {
    const runner = new RemoteRunner(await fresh(), { ...defaultRunnerOptions, concurrency: 1 });
    const tricky = `it's "quoted"; $(touch /tmp/pw-never) \`id\` *\nsecond line`;
    const [echo, missing] = await runner.runAll([
      { id: 'echo', command: sh`printf '%s' ${tricky}`, wantsRoot: false },
      { id: 'missing', command: sh`no-such-command-pw`, wantsRoot: false },
    ]);
    expect(echo!.result.stdout).toBe(tricky);
    expect(echo!.status).toBe('ok');
    expect(missing!.result.code).toBe(127);
    expect(missing!.result.stderr).toMatch(/no-such-command-pw/);
    expect(missing!.result.stderr).not.toMatch(/Welcome/);
    expect(server.execs).toHaveLength(1);
  });

  it('a large output is capped, digested whole, and the marker never leaks into it', async () => {
    const t = await fresh();
    const seen = createHash('sha256');
    let seenBytes = 0;
    // 1.3 MiB of numbered lines, then a short command on the same shell. (Past about 2 MiB, ssh2's
    // own server stalls its stderr behind a full window: the lab runs 8 MiB through a real sshd.)
    const big = await t.exec(`seq 1 200000`, {
      ...options,
      maxBytes: 64 * 1024,
      onStdout: (c) => {
        seen.update(c);
        seenBytes += c.length;
      },
    });
    const expected = Array.from({ length: 200000 }, (_, i) => `${i + 1}\n`).join('');
    expect(big.truncated).toBe(true);
    expect(big.stdout).toBe(`Welcome! pyenv: rehashing\n${expected}`.slice(0, 64 * 1024));
    expect(seenBytes).toBe(Buffer.byteLength(expected) + 'Welcome! pyenv: rehashing\n'.length);
    expect(seen.digest('hex')).toBe(createHash('sha256').update(`Welcome! pyenv: rehashing\n${expected}`).digest('hex'));
    const after = await t.exec('echo next', options);
    expect(after).toMatchObject({ stdout: 'next\n', code: 0 });
    expect(t.shellsStarted).toBe(1);
  });

  it('a command past its deadline ends timed out and takes its shell along; the next command gets a new shell', async () => {
    const t = await fresh();
    await t.exec('true', options);
    const [slow, next] = await Promise.all([t.exec(`echo started; sleep 30`, { ...options, timeoutMs: 300 }), t.exec('echo after', options)]);
    expect(slow).toMatchObject({ timedOut: true, code: null });
    expect(slow.stdout).toContain('started');
    // A new shell: the rc noise again, then the command.
    expect(next).toMatchObject({ stdout: 'Welcome! pyenv: rehashing\nafter\n', code: 0, timedOut: false });
    expect(t.shellsStarted).toBe(2);
    expect(server.execs).toEqual(['sh', 'sh']);
  });

  it('a cancelled command rejects as cancelled; a command cancelled before its turn never runs', async () => {
    const t = await fresh();
    const controller = new AbortController();
    const running = t.exec('sleep 30', { ...options, signal: controller.signal });
    const queued = t.exec('echo never', { ...options, signal: controller.signal });
    await waitFor(() => server.children.some((c) => c.exitCode === null), 5000, 'the shell to start');
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'SshError', kind: 'cancelled' });
    await expect(queued).rejects.toBeInstanceOf(SshError);
    expect((await t.exec('echo still here', options)).stdout).toBe('Welcome! pyenv: rehashing\nstill here\n');
  });

  it('a shell that dies mid-command ends that command with what arrived; the next one starts a new shell', async () => {
    const t = await fresh();
    const before = server.children.length;
    // The whole process group of the session's shell (the fake server starts each in its own).
    const dying = t.exec(`echo partial; kill -9 0; sleep 30`, options);
    const result = await dying;
    expect(result.code).toBeNull();
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toContain('partial');
    expect((await t.exec('echo again', options)).stdout).toBe('Welcome! pyenv: rehashing\nagain\n');
    expect(server.children.length).toBe(before + 2);
  });

  it('where shells are cheap, a pool of them runs commands side by side once the first has answered', async () => {
    const t = await fresh(defaultShellPool);
    // The first command alone measures what a shell costs here.
    await t.exec('true', options);
    expect(t.shellsStarted).toBe(1);
    // A barrier: each command checks in, then waits (at most 5 s) until three have. Run one after
    // another, the first would see only itself; side by side, the first three all see three.
    const dir = await mkdtemp(join(tmpdir(), 'pw-pool-'));
    try {
      const barrier = (n: number) => `touch ${dir}/${n}; i=0; while [ "$(ls ${dir} | wc -l)" -lt 3 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; ls ${dir} | wc -l`;
      const results = await Promise.all([1, 2, 3].map((n) => t.exec(barrier(n), options)));
      // (A new shell's output starts with the rc noise: the last line is the command's.)
      expect(results.map((r) => r.stdout.trim().split('\n').at(-1))).toEqual(['3', '3', '3']);
      expect(t.shellsStarted).toBe(defaultShellPool.maxShells);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('where a shell is slow to start (a heavy ~/.bashrc), one shell runs everything', async () => {
    const slow = await shellServer({ startDelayMs: 400 });
    try {
      const t = await fresh(defaultShellPool, slow);
      await Promise.all([1, 2, 3, 4].map((n) => t.exec(`echo ${n}`, options)));
      expect(t.shellsStarted).toBe(1);
      expect(slow.execs).toEqual(['sh']);
    } finally {
      transport.close();
      client.end();
      await slow.close();
    }
  });

  it('a server that allows one session (MaxSessions 1) is served by that one shell, nothing fails', async () => {
    const strict = await shellServer({ maxSessions: 1 });
    try {
      const t = await fresh(defaultShellPool, strict);
      await t.exec('true', options);
      const results = await Promise.all([1, 2, 3, 4].map((n) => t.exec(`echo ${n}`, options)));
      expect(results.map((r) => r.stdout)).toEqual(['1\n', '2\n', '3\n', '4\n']);
      expect(t.shellsStarted).toBe(1);
      // Asked once for more shells, refused, and not asked again command after command.
      expect(strict.refusedSessions).toBeLessThanOrEqual(defaultShellPool.maxShells - 1);
      await Promise.all([5, 6, 7].map((n) => t.exec(`echo ${n}`, options)));
      expect(strict.refusedSessions).toBeLessThanOrEqual(defaultShellPool.maxShells - 1);
    } finally {
      transport.close();
      client.end();
      await strict.close();
    }
  });

  it('a closed transport refuses new commands with a typed error', async () => {
    const t = await fresh();
    await t.exec('true', options);
    t.close();
    await expect(t.exec('true', options)).rejects.toMatchObject({ name: 'SshError', kind: 'connect-failed' });
  });
});
