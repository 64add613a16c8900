import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPABILITY_PROBE, parseCapabilities } from '../../../shared/common/parsers/capabilities';
import { classifyCommandOutcome, isNoSystemd } from '../../../shared/common/parsers/command-failure';
import { sh } from '../../../shared/common/shell';
import { RemoteRunner, defaultRunnerOptions } from '../../../shared/node/remote/runner';
import { localTransport } from '../../../shared/node/remote/transport';

describe('capability probe', () => {
  it('runs on a real shell and reports this machine', async () => {
    const runner = new RemoteRunner(localTransport, defaultRunnerOptions);
    const run = await runner.run({ id: 'caps', command: { text: CAPABILITY_PROBE }, wantsRoot: false });
    const caps = parseCapabilities(run.result.stdout);
    expect(caps.ok).toBe(true);
    if (!caps.ok) return;
    expect(caps.value.kernel).toBe('Linux');
    expect(caps.value.uid).toBe(process.getuid?.());
    expect(caps.value.osId).toBe('debian');
    // The test machine has these (npm test installs them); the probe must find them in /usr/sbin too.
    for (const tool of ['ip', 'iptables-save', 'nft', 'timeout']) expect(caps.value.tools.has(tool)).toBe(true);
    expect(caps.value.busybox).toBe(false);
    // Root reads /proc/net/ip{,6}_tables_names: known either way, never "unknown".
    if (process.getuid?.() === 0) expect([caps.value.legacyTables.v4, caps.value.legacyTables.v6].map((v) => typeof v)).toEqual(['boolean', 'boolean']);
  });

  it('legacy iptables tables: an empty names line is none, a table name is some, no line is unknown', () => {
    const block = (lines: string) => `@@portwise-caps\nuid=0\n${lines}@@portwise-caps-end\n`;
    const read = (lines: string) => {
      const caps = parseCapabilities(block(lines));
      return caps.ok ? caps.value.legacyTables : null;
    };
    expect(read('ip_tables_names=\nip6_tables_names=\n')).toEqual({ v4: false, v6: false });
    expect(read('ip_tables_names=filter\nip6_tables_names=\n')).toEqual({ v4: true, v6: false });
    expect(read('')).toEqual({ v4: null, v6: null });
  });

  it.each([
    ['a named user', 'uid=1000(alice) gid=1000(alice) groups=1000(alice),27(sudo)', 1000, 'alice'],
    ['a uid without a name', 'uid=4321 gid=4321 groups=4321', 4321, null],
    ['a name with a dot and a dash', 'uid=70(svc.web-1) gid=70(svc)', 70, 'svc.web-1'],
  ])('reads the uid and the user from one `id`: %s', (_what, idLine, uid, user) => {
    // A stub `id` in front of PATH: the probe's own shell code splits its line.
    const dir = mkdtempSync(join(tmpdir(), 'portwise-caps-id-'));
    try {
      writeFileSync(join(dir, 'id'), `#!/bin/sh\necho '${idLine}'\n`);
      chmodSync(join(dir, 'id'), 0o755);
      for (const shell of ['dash', 'bash']) {
        const out = execFileSync(shell, ['-c', CAPABILITY_PROBE], { env: { PATH: `${dir}:/usr/sbin:/usr/bin:/sbin:/bin` }, encoding: 'utf8' });
        const caps = parseCapabilities(out);
        expect(caps.ok && { uid: caps.value.uid, user: caps.value.user }, shell).toEqual({ uid, user });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses a BusyBox answer with noise around it, and refuses output without the block', () => {
    const text = 'motd line\n@@portwise-caps\nkernel=Linux\nrelease=5.15\nuid=1000\nuser=app\nos_id=alpine\nos_version=3.19\ntool=netstat\ntool=ip\nsudo=no\nsystemd=no\nbusybox=yes\n@@portwise-caps-end\n';
    const caps = parseCapabilities(text);
    expect(caps.ok && caps.value).toMatchObject({ uid: 1000, osId: 'alpine', sudo: false, systemd: false, busybox: true });
    expect(caps.ok && [...caps.value.tools]).toEqual(['netstat', 'ip']);
    expect(parseCapabilities('fish: Unknown command').ok).toBe(false);
    expect(parseCapabilities('@@portwise-caps\nkernel=Linux\n@@portwise-caps-end').ok).toBe(false);
  });
});

describe('classifyCommandOutcome', () => {
  it.each([
    [{ code: 0, stderr: '', timedOut: false }, 'ok'],
    [{ code: 1, stderr: 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)', timedOut: false }, 'needs-privilege'],
    [{ code: 1, stderr: "Fatal: can't open lock file /run/xtables.lock: Permission denied", timedOut: false }, 'needs-privilege'],
    [{ code: 1, stderr: 'Operation not permitted (you must be root)\nnetlink: Error: cache initialization failed: Operation not permitted', timedOut: false }, 'needs-privilege'],
    [{ code: 1, stderr: 'ERROR: You need to be root to run this script', timedOut: false }, 'needs-privilege'],
    [{ code: 1, stderr: 'sudo: a password is required', timedOut: false }, 'needs-privilege'],
    [{ code: 127, stderr: 'sh: 1: ss: not found', timedOut: false }, 'unsupported'],
    [{ code: 124, stderr: '', timedOut: false }, 'timeout'],
    [{ code: null, stderr: '', timedOut: true }, 'timeout'],
    [{ code: 2, stderr: 'something else', timedOut: false }, 'error'],
  ] as const)('%o -> %s', (outcome, status) => {
    expect(classifyCommandOutcome(outcome)).toBe(status);
  });

  it('recognises a machine without systemd', async () => {
    const runner = new RemoteRunner(localTransport, defaultRunnerOptions);
    const run = await runner.run({ id: 'sd', command: sh`systemctl show ssh -p ActiveState --no-pager`, wantsRoot: false });
    // This test machine's PID 1 is not systemd: the same answer a container server gives.
    expect(isNoSystemd(run.result.stdout + run.result.stderr) || run.status === 'unsupported').toBe(true);
  });
});
