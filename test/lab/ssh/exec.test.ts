// exec() on a real sshd: exit status, separate streams, no PTY, the output cap and the deadline.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RemoteRunner, defaultRunnerOptions } from '../../../shared/node/remote/runner';
import { defaultShellPool, shellTransport } from '../../../shared/node/remote/shell-transport';
import { sh } from '../../../shared/common/shell';
import { connectChain, exec, type SshChain } from '../../../shared/node/ssh/connect';
import { generateClientKeys, startSshd, useSshLab } from '../harness/sshd';
import { baseOptions, expectSshError, hopTo, knownHostsFiles, scriptedPrompt } from './helpers';

const lab = useSshLab(async ({ dir, track }) => {
  const keys = await generateClientKeys(join(dir, 'client'));
  const sshd = track(await startSshd({ authorizedKeys: [keys.plain.publicLine] }));
  const files = await knownHostsFiles(dir, 'exec', [sshd.knownHostsLine()]);
  return { keys, sshd, files };
});

async function withChain(run: (chain: SshChain) => Promise<void>): Promise<void> {
  const { keys, sshd, files } = lab();
  const chain = await connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] }));
  try {
    await run(chain);
  } finally {
    await chain.close();
  }
}

describe('exec over a real sshd', () => {
  it("logs in to a server's home (Debian's stock root dotfiles), not this machine's", () =>
    withChain(async ({ client }) => {
      const { sshd } = lab();
      const result = await exec(client, 'echo "$HOME"; cat "$HOME/.bashrc" | grep -c pyenv', { timeoutMs: 10_000, maxBytes: 4096 });
      expect(result.stdout).toBe(`${join(sshd.dir, 'home')}\n0\n`);
    }));

  it('8 MiB through the session shell: capped, digested whole, and the shell goes on', () =>
    withChain(async ({ client }) => {
      const transport = shellTransport(client, 'lab', { ...defaultShellPool, maxShells: 1 });
      try {
        const seen = createHash('sha256');
        let bytes = 0;
        const big = await transport.exec("head -c 8388608 /dev/zero | tr '\\0' x", {
          timeoutMs: 30_000,
          maxBytes: 64 * 1024,
          onStdout: (c) => {
            seen.update(c);
            bytes += c.length;
          },
        });
        expect(big).toMatchObject({ code: 0, truncated: true, timedOut: false });
        expect(big.stdout).toBe('x'.repeat(64 * 1024));
        expect(bytes).toBe(8 * 1024 * 1024);
        expect(seen.digest('hex')).toBe(createHash('sha256').update('x'.repeat(8 * 1024 * 1024)).digest('hex'));
        expect(await transport.exec('echo next; echo err >&2', { timeoutMs: 10_000, maxBytes: 4096 })).toMatchObject({ stdout: 'next\n', stderr: 'err\n', code: 0 });
        expect(transport.shellsStarted).toBe(1);
      } finally {
        transport.close();
      }
    }));

  it("a shell's commands share its exec channel: with one shell, sshd starts one session for all of them", () =>
    withChain(async ({ client }) => {
      const { sshd } = lab();
      const offset = sshd.log().length;
      const transport = shellTransport(client, 'lab', { ...defaultShellPool, maxShells: 1 });
      const runner = new RemoteRunner(transport, { ...defaultRunnerOptions, concurrency: 1, serverTimeout: true });
      try {
        const runs = await runner.runAll([1, 2, 3, 4, 5].map((n) => ({ id: `n${n}`, command: sh`echo ${String(n)}; echo ${`e${n}`} >&2; exit ${String(n)}`, wantsRoot: false })));
        expect(runs.map((r) => [r.result.stdout, r.result.stderr, r.result.code])).toEqual([1, 2, 3, 4, 5].map((n) => [`${n}\n`, `e${n}\n`, n]));
        expect(transport.shellsStarted).toBe(1);
      } finally {
        transport.close();
      }
      expect(transport.shellsStarted).toBe(1);
      // One exec request reached sshd for the five commands.
      const log = await sshd.waitForLog(offset, /Starting session: command/);
      expect(log.match(/Starting session: command/g)).toHaveLength(1);
    }));

  it('returns the exit status and both streams, without a PTY', () =>
    withChain(async ({ client }) => {
      const result = await exec(client, 'echo out; echo err >&2; test -t 0 || echo no-tty; exit 3', { timeoutMs: 10_000, maxBytes: 4096 });
      expect(result).toMatchObject({ code: 3, signal: null, stdout: 'out\nno-tty\n', stderr: 'err\n', truncated: false, timedOut: false });
      expect(result.ms).toBeGreaterThanOrEqual(0);
    }));

  it('caps output per stream, keeps reading to the end, and marks it truncated', () =>
    withChain(async ({ client }) => {
      const result = await exec(client, "head -c 300000 /dev/zero | tr '\\0' x; echo done >&2", { timeoutMs: 10_000, maxBytes: 1000 });
      expect(result.stdout).toBe('x'.repeat(1000));
      expect(result.stderr).toBe('done\n');
      expect(result).toMatchObject({ code: 0, truncated: true, timedOut: false });
    }));

  it('the deadline closes the channel at once (and asks sshd to kill the command); the connection stays usable', () =>
    withChain(async ({ client }) => {
      const { sshd } = lab();
      const offset = sshd.log().length;
      const result = await exec(client, 'sleep 6', { timeoutMs: 1000, maxBytes: 4096 });
      expect(result).toMatchObject({ timedOut: true, code: null });
      expect(result.ms).toBeGreaterThanOrEqual(1000);
      expect(result.ms).toBeLessThan(1500);
      // sshd refuses signals for root logins ("requires privilege separation"), so the request is
      // checked, not the kill: a remote runner should wrap commands in `timeout` as well. The sleep
      // is short so that what sshd leaves running is gone a few seconds after the test.
      await sshd.waitForLog(offset, /channel \d+ request signal/);
      const next = await exec(client, 'echo still-here', { timeoutMs: 10_000, maxBytes: 4096 });
      expect(next.stdout).toBe('still-here\n');
    }));

  it('the abort signal cancels a running command', () =>
    withChain(async ({ client }) => {
      const controller = new AbortController();
      const pending = exec(client, 'sleep 6', { timeoutMs: 20_000, maxBytes: 4096, signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      const error = await expectSshError(pending, 'cancelled');
      expect(error.hop.role).toBe('target');
    }));
});
