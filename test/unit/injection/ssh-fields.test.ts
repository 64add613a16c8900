import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileInput } from '../../../shared/common/schema/profile';
import { formatSshDestination, parseSshChain, parseSshDestination, type SshDestination } from '../../../shared/common/schema/ssh-destination';
import { parseTarget } from '../../../shared/common/schema/target';
import { parseCommandLine } from '../../../shared/node/cli/args';
import { payloadName, payloads } from '../../fixtures/injection/corpus';

// Every field that reaches an SSH connection: the target, the --ssh/--jump destinations (user, host,
// port), identity and known_hosts paths, and a profile's fields. Portwise speaks SSH through ssh2, a
// library that takes these as an object (no OpenSSH command line, no shell), so the promise is: each
// payload is refused with a clear, typed error, or comes out as a value that cannot be read as an
// option or a shell word (names, addresses, numbers), or is kept as opaque data (file paths).

const corpus = payloads('/tmp/pw-canary/canary');

/** A host as the engine may use it: a DNS name or an IP literal, never option-like. */
const SAFE_HOST = /^(?:[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?|[0-9a-f:.]+)$/;
const SAFE_USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

function expectSafeDestination(d: SshDestination): void {
  expect(d.host).toMatch(SAFE_HOST);
  if (d.user !== null) expect(d.user).toMatch(SAFE_USER);
  expect(Number.isInteger(d.port) && d.port >= 1 && d.port <= 65535).toBe(true);
  // What is shown for copy-paste (`ssh -J jump server`) is built from these parts only.
  expect(formatSshDestination(d)).toMatch(/^(?:[A-Za-z_][A-Za-z0-9_.-]*\$?@)?(?:[a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::\d+)?$/);
}

/** A refusal is a sentence that shows the input without raw control or bidi characters. */
function expectClearMessage(message: string): void {
  expect(message.length).toBeGreaterThan(10);
  expect(message.length).toBeLessThan(600);
  // eslint-disable-next-line no-control-regex -- control characters are what must not be there
  expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
}

describe('the target (host:port) refuses or yields a plain host and a number', () => {
  for (const p of corpus) {
    it(payloadName(p), () => {
      for (const input of [p.value, `${p.value}:5432`, `db.example.com:${p.value}`, `[${p.value}]:5432`, `ssh://${p.value}`]) {
        const target = parseTarget(input);
        if (target.ok) {
          expect(target.value.host, input).toMatch(SAFE_HOST);
          expect(Number.isInteger(target.value.port)).toBe(true);
        } else {
          expect(target.error.code).toMatch(/^[a-z0-9-]+$/);
          expectClearMessage(target.error.message);
        }
      }
    });
  }
});

describe('--ssh and --jump destinations (user, host, port) refuse or yield safe parts', () => {
  for (const p of corpus) {
    it(payloadName(p), () => {
      for (const input of [p.value, `root@${p.value}`, `${p.value}@db.example.com`, `root@db.example.com:${p.value}`, `${p.value}@${p.value}`]) {
        const parsed = parseSshDestination(input);
        if (parsed.ok) expectSafeDestination(parsed.value);
        else expectClearMessage(parsed.error.message);
        const chain = parseSshChain('root@db.example.com', [input]);
        if (chain.ok) chain.value.jumps.forEach(expectSafeDestination);
        else expect(chain.error.which).toBe('jump');
      }
    });
  }
});

describe('a profile refuses or keeps each field safe', () => {
  const base = { name: 'db', host: 'db.example.com', user: 'admin' };
  for (const p of corpus) {
    it(payloadName(p), () => {
      const host = ProfileInput.safeParse({ ...base, host: p.value });
      if (host.success) expect(host.data.host.trim()).toMatch(SAFE_HOST);
      else expect(host.error.issues[0]!.message).toMatch(/is not a host name or an IP address|without brackets/);

      const user = ProfileInput.safeParse({ ...base, user: p.value });
      if (user.success) expect(user.data.user).toMatch(SAFE_USER);
      else expect(user.error.issues[0]!.message).toMatch(/A user name is/);

      // Jump hosts are profile ids: lowercase words and dashes, never option-like.
      const jumps = ProfileInput.safeParse({ ...base, jumps: [p.value] });
      if (jumps.success) expect(jumps.data.jumps[0]).toMatch(/^[a-z0-9][a-z0-9-]*$/);
      else expect(jumps.error.issues[0]!.message).toMatch(/An id is/);

      // A port is a number; a string is refused, never coerced.
      expect(ProfileInput.safeParse({ ...base, port: p.value }).success).toBe(false);

      // File paths are data for the file system (read with fs, never put on a command line): accepted
      // only absolute or under ~/, on one line, and then kept exactly.
      for (const field of ['keyPath', 'knownHostsFiles'] as const) {
        const value = field === 'keyPath' ? p.value : [p.value];
        const parsed = ProfileInput.safeParse({ ...base, auth: 'key', keyPath: '/k', [field]: value });
        const kept = parsed.success ? (field === 'keyPath' ? parsed.data.keyPath : parsed.data.knownHostsFiles[0]) : null;
        if (kept !== null) {
          expect(kept).toBe(p.value.trim());
          expect(kept).toMatch(/^(\/|~\/)[^\0\n\r]*$/);
        } else expect(parsed.error!.issues[0]!.message).toMatch(/A file path starts with|at most|<=4096/);
      }
    });
  }
});

describe('the command line: each option refuses the payload or passes it on as data', () => {
  for (const p of corpus) {
    it(payloadName(p), () => {
      const runs: readonly (readonly string[])[] = [
        ['diagnose', p.value],
        ['diagnose', 'db.example.com:5432', `--ssh=${p.value}`],
        ['diagnose', 'db.example.com:5432', '--ssh', 'root@db.example.com', `--jump=${p.value}`],
        ['diagnose', 'db.example.com:5432', '--ssh', 'root@db.example.com', `--identity=${p.value}`, `--known-hosts=${p.value}`, `--service=${p.value}`],
        ['fleet', '5432', `--ssh=${p.value}`],
        ['profiles', 'add', '--name', 'x', `--host=${p.value}`, '--user', 'admin'],
        ['profiles', 'add', '--name', 'x', '--host', 'db.example.com', `--user=${p.value}`],
      ];
      for (const argv of runs) {
        const parsed = parseCommandLine(argv);
        if (!parsed.ok) {
          expectClearMessage(parsed.message);
          continue;
        }
        const command = parsed.command;
        if (command.kind === 'diagnose') {
          expect(command.target.host).toMatch(SAFE_HOST);
          if (command.ssh) {
            expectSafeDestination(command.ssh.destination);
            command.ssh.jumps.forEach(expectSafeDestination);
            // Paths and the service are data: exactly what was typed, one value each.
            for (const file of [...command.ssh.identityFiles, ...command.ssh.knownHostsFiles]) expect(file).toBe(p.value);
          }
          if (command.service !== null) expect(command.service).toBe(p.value);
        } else if (command.kind === 'fleet') {
          for (const server of command.servers) if (server.kind === 'ssh') expectSafeDestination(server.ssh.destination);
        }
        // `profiles add` is checked by the profile schema above when it is saved.
      }
    });
  }
});

describe('connection settings never reach a shell', () => {
  it('the SSH layer and the code that builds its settings start no process', () => {
    // ssh2 takes host, port, user and keys as an object; only the runner's fixed templates become
    // command text, and they go through shellQuote (command-builder.test.ts).
    const folders = ['shared/node/ssh', 'shared/common/schema', 'shared/common/ssh-config', 'shared/node/cli'];
    const files = folders.flatMap((folder) => readdirSync(folder).filter((f) => f.endsWith('.ts')).map((f) => join(folder, f)));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(/child_process|\bexecSync\b|\bspawnSync\b/);
    // The access layers may load only the ssh code, never a process module.
    for (const file of ['shared/node/remote/access.ts', 'shared/node/remote/profile-access.ts']) expect(readFileSync(file, 'utf8'), file).not.toMatch(/child_process/);
  });
});
