import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real shell with a fake PATH: every server tool (ss, systemctl, journalctl, docker, cat, ip, nc,
 * bash...) is a script that only records its argv, NUL-separated. The programs a command's *frame*
 * needs (sh, env, timeout) are the real ones, and so is `touch`: a payload that broke out of its
 * quotes would really create the canary. The shell runs in a folder with files in it, so an
 * unquoted glob would expand and change the argv.
 *
 * Starting a stub per call costs a process; with thousands of payload × field pairs that is minutes.
 * So the outer shell may also get the stubs as shell functions (`functions: true`): the words a
 * function receives are the words an exec'd program would get (expansion, splitting and globbing
 * happen before the name is looked up). Nested shells (`sh -c` in the frame, `timeout`, `sudo`)
 * never see those functions and run the program stubs. A test checks both kinds agree.
 */

export const STUBBED = ['ss', 'systemctl', 'journalctl', 'docker', 'cat', 'ip', 'nc', 'netstat', 'nft', 'bash', 'ssh', 'iptables', 'ip6tables', 'iptables-save', 'ip6tables-save', 'iptables-nft-save', 'ip6tables-nft-save', 'iptables-legacy-save', 'ip6tables-legacy-save', 'grep', 'nginx', 'apachectl', 'sshd', 'semanage', 'portwise', 'kubectl', 'ufw', 'firewall-cmd', 'fail2ban-client', 'curl', 'ls', 'head', 'tail', 'awk', 'sed', 'sort', 'tr', 'id', 'sysctl', 'ps', 'getent', 'lsof', 'docker-compose', 'podman', 'dmesg', 'uname'] as const;
const REAL = { sh: '/bin/sh', env: '/usr/bin/env', timeout: '/usr/bin/timeout', touch: '/usr/bin/touch' } as const;

export interface Call {
  tool: string;
  args: string[];
}

export interface StubRun {
  /** The calls each command made, in the order the commands were given. */
  calls: Call[][];
  stdout: string;
  stderr: string;
  status: number | null;
}

export interface StubShell {
  /** Where the canary would be created; a plain word, safe to put in a payload. */
  canary: string;
  /**
   * Runs the commands one after the other in one `shell` (the script is read from stdin, so a 64 KiB
   * command is no argv problem). A command that broke out of its quotes would also garble the ones
   * after it: every test checks all of them.
   */
  run(commands: readonly string[], options?: { shell?: 'sh' | 'bash'; functions?: boolean }): StubRun;
  /** Files the canary folder holds: always empty unless something ran a payload. */
  canaryTraces(): string[];
  dispose(): void;
}

// One record per call, appended: the argument count, the tool, then each argument, all NUL-ended.
const record = (tool: string) => `printf '%s\\0' "$#" ${tool} "$@" >> "$PW_CALLS/log"`;
// sudo -n CMD...: recorded, then CMD runs (as the real sudo would, without asking).
const sudoBody = `${record('sudo')}\n[ "$1" = -n ] && shift\nexec "$@"`;

function parseLog(text: string): Call[] {
  const fields = text.split('\0');
  const calls: Call[] = [];
  for (let i = 0; i + 1 < fields.length; ) {
    const count = Number(fields[i]);
    calls.push({ tool: fields[i + 1] ?? '', args: fields.slice(i + 2, i + 2 + count) });
    i += 2 + count;
  }
  return calls;
}

export function stubShell(): StubShell {
  const root = mkdtempSync(join(tmpdir(), 'pw-injection-'));
  const bin = join(root, 'bin');
  const calls = join(root, 'calls');
  const cwd = join(root, 'cwd');
  const canaryDir = join(root, 'canary');
  for (const dir of [bin, calls, cwd, canaryDir]) mkdirSync(dir);
  for (const name of ['a', 'b', 'nginx', 'x.service', '.hidden', 'tmp']) writeFileSync(join(cwd, name), '');
  const tools = STUBBED;
  for (const tool of tools) {
    writeFileSync(join(bin, tool), `#!/bin/sh\n${record(tool)}\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  writeFileSync(join(bin, 'sudo'), `#!/bin/sh\n${sudoBody}\n`);
  chmodSync(join(bin, 'sudo'), 0o755);
  for (const [name, target] of Object.entries(REAL)) symlinkSync(target, join(bin, name));
  // dash takes only plain names for functions: a tool with a dash in its name stays a program.
  const functions = `${tools.filter((tool) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(tool)).map((tool) => `${tool}() { ${record(tool)}; }`).join('\n')}\nsudo() { ${record('sudo')}; [ "$1" = -n ] && shift; "$@"; }\n`;

  const canary = join(canaryDir, 'canary');
  return {
    canary,
    run(commands, options = {}) {
      rmSync(calls, { recursive: true, force: true });
      mkdirSync(calls);
      commands.forEach((_, i) => {
        mkdirSync(join(calls, String(i)));
        writeFileSync(join(calls, String(i), 'log'), '');
      });
      // Each command records into its own folder; the folder names are plain digits.
      const body = commands.map((command, i) => `PW_CALLS=${join(calls, String(i))}; export PW_CALLS\n${command}\n`).join('');
      const script = `${options.functions ? functions : ''}${body}`;
      const program = options.shell === 'bash' ? '/bin/bash' : REAL.sh;
      const result = spawnSync(program, ['-s'], { input: script, cwd, env: { PATH: bin, HOME: cwd }, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
      // EPIPE: the shell stopped reading its script (a syntax error ends it); the calls that are missing
      // then say what went wrong, command by command.
      if (result.error && (result.error as NodeJS.ErrnoException).code !== 'EPIPE') throw result.error;
      const recorded = commands.map((_, i) => parseLog(readFileSync(join(calls, String(i), 'log'), 'utf8')));
      return { calls: recorded, stdout: result.stdout, stderr: result.stderr, status: result.status };
    },
    canaryTraces: () => readdirSync(canaryDir),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
