import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverCommands } from '../../../shared/common/remote/commands';
import { sh } from '../../../shared/common/shell';
import { RemoteRunner, defaultRunnerOptions, unwrapOutput, wrapCommand } from '../../../shared/node/remote/runner';
import { localTransport, type ExecTransport } from '../../../shared/node/remote/transport';

// The runner's framing, deadlines, caps and parallelism, on this machine's real `sh`.
const dir = mkdtempSync(path.join(tmpdir(), 'pw-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RemoteRunner on a local shell', () => {
  const runner = new RemoteRunner(localTransport, { ...defaultRunnerOptions, defaultTimeoutMs: 3000 });

  it('returns only the command output, its exit code and stderr, under the C locale', async () => {
    const run = await runner.run({ id: 't', command: sh`echo hello; echo "$LC_ALL/$PAGER/$SYSTEMD_COLORS"; echo oops >&2; exit 3`, wantsRoot: false, okCodes: [3] });
    expect(run.result.stdout).toBe('hello\nC/cat/0\n');
    expect(run.result.code).toBe(3);
    expect(run.result.stderr).toBe('oops\n');
    expect(run.status).toBe('ok');
  });

  it('ignores noise printed around the command (profiles, MOTD)', () => {
    const out = `Welcome to the server\n\n@@pw-begin-abc\nreal output\n\n@@pw-end-abc 0\nbye\n`;
    expect(unwrapOutput(out, 'abc')).toEqual({ stdout: 'real output\n', code: 0 });
    expect(unwrapOutput('no frame at all', 'abc')).toBeNull();
  });

  it('passes hostile values as data: a unit named like a command is never run', async () => {
    const canary = path.join(dir, 'pwned');
    const hostile = [`x;touch ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``, `'; touch ${canary}; '`, `x\ntouch ${canary}`, `-oProxyCommand=touch ${canary}`];
    for (const value of hostile) {
      const run = await runner.run({ id: 'echo', command: sh`printf '%s' ${value}`, wantsRoot: false });
      expect(run.result.stdout).toBe(value);
    }
    expect(existsSync(canary)).toBe(false);
  });

  it('classifies a missing tool as unsupported and a permission message as needs-privilege', async () => {
    const missing = await runner.run({ id: 'm', command: sh`no-such-tool-portwise --version`, wantsRoot: false });
    expect(missing.status).toBe('unsupported');
    const denied = await runner.run({ id: 'd', command: sh`echo 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)' >&2; exit 4`, wantsRoot: true });
    expect(denied.status).toBe('needs-privilege');
    expect(denied.sudo).toBe(false);
  });

  it('enforces the deadline and the output cap', async () => {
    const slow = await runner.run({ id: 's', command: sh`sleep 5`, wantsRoot: false, timeoutMs: 300 });
    expect(slow.status).toBe('timeout');
    expect(slow.result.timedOut).toBe(true);
    const big = await runner.run({ id: 'b', command: sh`head -c 100000 /dev/zero | tr '\\0' a`, wantsRoot: false, maxBytes: 1000 });
    expect(big.result.truncated).toBe(true);
    expect(big.result.stdout.length).toBeLessThanOrEqual(1000);
  });

  it('uses the server-side timeout when the server has one', async () => {
    const withTimeout = new RemoteRunner(localTransport, { ...defaultRunnerOptions, serverTimeout: true });
    const run = await withTimeout.run({ id: 's', command: sh`sleep 5`, wantsRoot: false, timeoutMs: 1000 });
    expect(run.status).toBe('timeout');
    expect(run.result.code).toBe(124);
  });

  it('a bounded command (a kernel read) gets no server-side timeout; one that may wait on a daemon does', async () => {
    const commands: string[] = [];
    const recording: ExecTransport = { ...localTransport, exec: (command, options) => (commands.push(command), localTransport.exec(command, options)) };
    const withTimeout = new RemoteRunner(recording, { ...defaultRunnerOptions, serverTimeout: true });
    const kernelRead = await withTimeout.run({ id: 'k', command: { ...sh`cat /proc/self/stat`, bounded: true }, wantsRoot: false });
    const daemon = await withTimeout.run({ id: 'd', command: sh`echo daemon`, wantsRoot: false });
    expect([kernelRead.status, daemon.status]).toEqual(['ok', 'ok']);
    expect(commands[0]).not.toContain('timeout');
    expect(commands[1]).toContain('timeout -k 2 10 ');
    // The catalog's kernel reads are bounded; what talks to a daemon is not.
    const c = serverCommands;
    for (const command of [c.ssListeners(4, 80), c.routeGet('198.18.0.2'), c.rulesSave('iptables-nft-save'), c.nftRuleset(), c.kernelCounters(), c.procTcp('tcp'), c.selfProbeBash('127.0.0.1', 80, true)]) expect(command.bounded, command.text).toBe(true);
    for (const command of [c.serviceState('nginx'), c.serviceLog('nginx'), c.dockerPs(), c.firewallManagers(), c.selfProbeBash('127.0.0.1', 80, false)]) expect(command.bounded ?? false, command.text).toBe(false);
  });

  it('retries with sudo -n only where allowed, and keeps the first answer as evidence', () => {
    expect(wrapCommand('iptables-save -c', 'n', { sudo: true, serverTimeoutSec: null })).toContain("sudo -n env LC_ALL=C");
    expect(wrapCommand('iptables-save -c', 'n', { sudo: false, serverTimeoutSec: null })).not.toContain('sudo');
  });

  it('in a POSIX shell already, the frame needs no sh -c nor env of its own, and says the same', async () => {
    const command = `printf '%s %s\\n' "$LC_ALL" "$TZ"; echo oops >&2; exit 7`;
    const inShell = wrapCommand(command, 'n1', { sudo: false, serverTimeoutSec: 5, inShell: true });
    expect(inShell.startsWith('printf ')).toBe(true);
    expect(inShell).not.toMatch(/\benv /);
    const viaExec = wrapCommand(command, 'n1', { sudo: false, serverTimeoutSec: 5 });
    // Both run under a plain `sh` here: same frame, same locale, same exit code, same stderr.
    const [a, b] = await Promise.all([localTransport.exec(inShell, { timeoutMs: 5000, maxBytes: 4096 }), localTransport.exec(viaExec, { timeoutMs: 5000, maxBytes: 4096 })]);
    expect(unwrapOutput(a.stdout, 'n1')).toEqual({ stdout: 'C UTC\n', code: 7 });
    expect(unwrapOutput(b.stdout, 'n1')).toEqual({ stdout: 'C UTC\n', code: 7 });
    expect([a.stderr, b.stderr]).toEqual(['oops\n', 'oops\n']);
    // With sudo the environment still goes after it.
    expect(wrapCommand('iptables-save -c', 'n', { sudo: true, serverTimeoutSec: null, inShell: true })).toContain('sudo -n env LC_ALL=C');
  });

  it('a simple command starts without sh -c, and says the same as through it', async () => {
    const command = sh`cat ${'/proc/self/status'} ${'/no such file'}`;
    expect(command.simple).toBe(true);
    const direct = wrapCommand(command.text, 'n2', { sudo: false, serverTimeoutSec: 5, inShell: true, simple: true });
    expect(direct).not.toContain('sh -c');
    expect(direct).toContain("timeout -k 2 5 cat /proc/self/status '/no such file'");
    const viaSh = wrapCommand(command.text, 'n2', { sudo: false, serverTimeoutSec: 5, inShell: true });
    const [a, b] = await Promise.all([localTransport.exec(direct, { timeoutMs: 5000, maxBytes: 65536 }), localTransport.exec(viaSh, { timeoutMs: 5000, maxBytes: 65536 })]);
    expect(unwrapOutput(a.stdout, 'n2')?.code).toBe(1);
    expect(unwrapOutput(b.stdout, 'n2')?.code).toBe(1);
    expect(unwrapOutput(a.stdout, 'n2')?.stdout).toMatch(/^Name:\s+cat$/m);
    expect(a.stderr).toBe(b.stderr);
    // A program that is not there: 127 either way, which reads as "unsupported".
    const missing = wrapCommand(sh`pw-no-such-program ${'x'}`.text, 'n3', { sudo: false, serverTimeoutSec: 5, inShell: true, simple: true });
    expect(unwrapOutput((await localTransport.exec(missing, { timeoutMs: 5000, maxBytes: 4096 })).stdout, 'n3')?.code).toBe(127);
  });

  it('only a template with no shell syntax in its literal text is simple', () => {
    expect(sh`systemctl show -p ${'Id'} --no-pager -- ${'a; b'}`.simple).toBe(true);
    expect(sh`docker ps -a --format ${'{{json .}}'}`.simple).toBe(true);
    for (const command of [sh`ss -H ${'x'} 2>/dev/null || ss ${'x'}`, sh`cat a; cat b`, sh`cat a | head`, sh`echo $HOME`, sh`cat *`, sh`cat \`x\``, sh`cat "a b"`, sh`exit 7`, sh`cd ${'/'}`, sh`${'exit'} 7`, sh`ex${'it'} 7`]) expect(command.simple, command.text).toBe(false);
  });

  it('runs at most `concurrency` commands at once', async () => {
    let active = 0;
    let peak = 0;
    const counting: ExecTransport = {
      where: 'test',
      async exec(command, options) {
        active++;
        peak = Math.max(peak, active);
        const result = await localTransport.exec(command, options);
        active--;
        return result;
      },
    };
    const bounded = new RemoteRunner(counting, { ...defaultRunnerOptions, concurrency: 2 });
    const runs = await bounded.runAll(Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, command: sh`sleep 0.1; echo ${i}`, wantsRoot: false })));
    expect(runs.map((r) => r.result.stdout.trim())).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(peak).toBe(2);
  });
  it("no more at once than the transport's capacity (one slow-to-start shell): what the observer shows as running is running", async () => {
    let observed = 0;
    let peak = 0;
    const oneAtATime: ExecTransport = { where: 'test', capacity: () => 1, exec: (command, options) => localTransport.exec(command, options) };
    const runner = new RemoteRunner(oneAtATime, {
      ...defaultRunnerOptions,
      concurrency: 3,
      observer: {
        started: () => (peak = Math.max(peak, ++observed)),
        ended: () => observed--,
      },
    });
    await runner.runAll(Array.from({ length: 4 }, (_, i) => ({ id: `c${i}`, command: sh`echo ${i}`, wantsRoot: false })));
    expect(peak).toBe(1);
  });

  it('tells its observer when each command gets a channel and when it ends, errors included', async () => {
    const log: string[] = [];
    let active = 0;
    const observer = {
      started: (spec: { id: string }) => {
        active++;
        log.push(`start ${spec.id} (${active} running)`);
      },
      ended: (spec: { id: string }, outcome: { status: string } | Error) => {
        active--;
        log.push(`end ${spec.id} ${outcome instanceof Error ? `error: ${outcome.message}` : outcome.status}`);
      },
    };
    const observed = new RemoteRunner(localTransport, { ...defaultRunnerOptions, concurrency: 1, observer });
    await observed.runAll([
      { id: 'one', command: sh`echo 1`, wantsRoot: false },
      { id: 'two', command: sh`exit 7`, wantsRoot: false },
    ]);
    // One channel: the second command starts only after the first ended.
    expect(log).toEqual(['start one (1 running)', 'end one ok', 'start two (1 running)', 'end two error']);

    const broken: ExecTransport = { where: 'broken', exec: () => Promise.reject(new Error('channel closed')) };
    const failing = new RemoteRunner(broken, { ...defaultRunnerOptions, observer });
    log.length = 0;
    await expect(failing.run({ id: 'three', command: sh`true`, wantsRoot: false })).rejects.toThrow('channel closed');
    expect(log).toEqual(['start three (1 running)', 'end three error: channel closed']);
  });
});
