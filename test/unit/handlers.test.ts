import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { events } from '../../shared/common/ipc';
import { parseTarget } from '../../shared/common/schema/target';
import type { DiagnosisEvent } from '../../shared/common/schema/events';
import { createHandlerTable, IpcValidationError } from '../../shared/node/handlers';
import { closedPort, listen, waitFor, type TestServer } from '../integration/loopback';

interface Emitted {
  name: string;
  payload: unknown;
}

function setup() {
  const emitted: Emitted[] = [];
  // Finished runs are saved to the history: in a home of the test's own, never the user's.
  const home = mkdtempSync(join(tmpdir(), 'pw-handlers-'));
  cleanup.push(() => rmSync(home, { recursive: true, force: true }));
  const table = createHandlerTable({
    sink: { emit: (name, payload) => emitted.push({ name, payload }) },
    appInfo: { name: 'Portwise', version: '0.0.0-test', platform: 'linux' },
    env: { ...process.env, PORTWISE_HOME: home },
  });
  const eventsOf = (runId: string): DiagnosisEvent[] =>
    emitted.map((e) => events.onDiagnosisEvent.parse(e.payload)).filter((p) => p.runId === runId).map((p) => p.event);
  return { table, emitted, eventsOf };
}

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('createHandlerTable: validation before the engine', () => {
  it.each([
    ['no payload', undefined],
    ['null', null],
    ['a string', '127.0.0.1:80'],
    ['missing target', {}],
    ['target not a string', { target: 5 }],
    ['unknown key', { target: '127.0.0.1:80', shell: 'rm -rf /' }],
    ['rounds 0', { target: '127.0.0.1:80', rounds: 0 }],
    ['rounds 11', { target: '127.0.0.1:80', rounds: 11 }],
    ['rounds not an integer', { target: '127.0.0.1:80', rounds: 1.5 }],
    ['timeout too small', { target: '127.0.0.1:80', timeoutMs: 50 }],
    ['target too long', { target: `${'a'.repeat(2049)}:80` }],
  ])('startDiagnosis with %s rejects with IpcValidationError and starts nothing', async (_name, payload) => {
    const { table, emitted } = setup();
    cleanup.push(() => table.dispose());
    const error = await table.startDiagnosis(payload).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IpcValidationError);
    expect((error as IpcValidationError).call).toBe('startDiagnosis');
    expect((error as Error).message).toMatch(/^Invalid request to startDiagnosis: /);
    // A run emits `started` synchronously; nothing at all means no run began.
    expect(emitted).toEqual([]);
  });

  it.each([[{}], [{ runId: 'ABC' }], [{ runId: '../../etc' }], [{ runId: 'a'.repeat(65) }], [{ runId: 'ok', extra: 1 }]])('cancelDiagnosis(%j) rejects', async (payload) => {
    const { table } = setup();
    await expect(table.cancelDiagnosis(payload)).rejects.toBeInstanceOf(IpcValidationError);
  });

  it('getAppInfo takes an empty object only', async () => {
    const { table } = setup();
    expect(await table.getAppInfo({})).toEqual({ name: 'Portwise', version: '0.0.0-test', platform: 'linux' });
    await expect(table.getAppInfo({ x: 1 })).rejects.toBeInstanceOf(IpcValidationError);
  });

  it.each(['', 'db.example.com', '::1:80', 'h.example:70000', '$(id):22'])('a bad target %j returns ok:false with the parseTarget error', async (input) => {
    const { table, emitted } = setup();
    const expected = parseTarget(input);
    expect(expected.ok).toBe(false);
    expect(await table.startDiagnosis({ target: input })).toEqual({ ok: false, error: !expected.ok && expected.error });
    expect(emitted).toEqual([]);
  });

  it('cancelDiagnosis of an unknown run says it cancelled nothing', async () => {
    const { table } = setup();
    expect(await table.cancelDiagnosis({ runId: '00000000-0000-4000-8000-000000000000' })).toEqual({ cancelled: false });
  });
});

describe('createHandlerTable: runs on loopback', () => {
  it('a valid run streams schema-valid events: started, resolved, probe..., step..., finished', async () => {
    const port = await closedPort('127.0.0.1');
    const { table, emitted, eventsOf } = setup();
    cleanup.push(() => table.dispose());
    const response = await table.startDiagnosis({ target: `127.0.0.1:${port}`, rounds: 2, timeoutMs: 1000 });
    if (!response.ok) throw new Error(response.error.message);
    expect(response.target).toEqual({ host: '127.0.0.1', port, hostKind: 'ipv4' });
    await waitFor(() => eventsOf(response.runId).some((e) => e.type === 'finished' || e.type === 'failed'), 10_000, 'the run to end');

    expect(emitted.every((e) => e.name === 'onDiagnosisEvent')).toBe(true);
    const all = eventsOf(response.runId);
    expect(all).toHaveLength(emitted.length);
    const order = all.filter((e) => e.type !== 'evidence' && e.type !== 'activity').map((e) => e.type).join(' ');
    expect(order).toMatch(/^started resolved( probe)+( step)+ finished$/);
    // Activities travel the same validated channel: the lookup begins before the resolution arrives.
    const firstActivity = all.findIndex((e) => e.type === 'activity');
    expect(firstActivity).toBeGreaterThan(0);
    expect(firstActivity).toBeLessThan(all.findIndex((e) => e.type === 'resolved'));
    expect(all.filter((e) => e.type === 'probe')).toHaveLength(2);
    const finished = all.at(-1);
    expect(finished?.type === 'finished' && finished.report.diagnosis.cause).toBe('service-not-running');
    expect(finished?.type === 'finished' && finished.report.options).toMatchObject({ rounds: 2, timeoutMs: 1000 });
    // The run is forgotten once it ended.
    expect(await table.cancelDiagnosis({ runId: response.runId })).toEqual({ cancelled: false });
  });

  it('cancelling a run mid-way ends it with a `cancelled` event and no report', async () => {
    const server: TestServer = await listen({ host: '127.0.0.1' });
    cleanup.push(() => server.close());
    const { table, eventsOf } = setup();
    cleanup.push(() => table.dispose());
    const response = await table.startDiagnosis({ target: `127.0.0.1:${server.port}`, rounds: 10, timeoutMs: 1000 });
    if (!response.ok) throw new Error(response.error.message);
    await waitFor(() => eventsOf(response.runId).some((e) => e.type === 'probe'), 10_000, 'the first probe');
    expect(await table.cancelDiagnosis({ runId: response.runId })).toEqual({ cancelled: true });
    await waitFor(() => eventsOf(response.runId).some((e) => e.type === 'cancelled' || e.type === 'finished'), 10_000, 'the run to end');
    const types = eventsOf(response.runId).map((e) => e.type);
    expect(types.at(-1)).toBe('cancelled');
    expect(types).not.toContain('finished');
    expect(types.filter((t) => t === 'probe').length).toBeLessThan(10);
  });
});

describe('answerDiagnosis: manual mode over IPC', () => {
  async function finishedReport(table: ReturnType<typeof setup>['table'], eventsOf: ReturnType<typeof setup>['eventsOf'], port: number) {
    const started = await table.startDiagnosis({ target: `127.0.0.1:${port}`, rounds: 1, timeoutMs: 1000 });
    if (!started.ok) throw new Error('did not start');
    await waitFor(() => eventsOf(started.runId).some((e) => e.type === 'finished'), 10_000, 'finished');
    const end = eventsOf(started.runId).find((e) => e.type === 'finished');
    if (end?.type !== 'finished') throw new Error('no report');
    return end.report;
  }

  it('walks the finished run again with an override and a pasted listener table', async () => {
    const { table, eventsOf } = setup();
    cleanup.push(() => table.dispose());
    const port = await closedPort('127.0.0.1');
    const report = await finishedReport(table, eventsOf, port);
    expect(report.diagnosis.cause).toBe('service-not-running');
    const paste = `LISTEN 0      244        127.0.0.1:${port}      0.0.0.0:*    users:(("postgres",pid=812,fd=6)) ino:22561 sk:1 cgroup:/system.slice/postgresql@15-main.service <->\n`;
    const answered = await table.answerDiagnosis({ report, answers: { T3: { override: { to: 'T6', reason: 'the database is behind this forward' } }, T13: { paste } } });
    if (!answered.ok) throw new Error(answered.errors.join('; '));
    expect(answered.report.diagnosis.cause).toBe('bind-loopback-only');
    expect(answered.report.diagnosis.service?.name).toBe('PostgreSQL');
    expect(answered.report.evidence.filter((e) => e.origin === 'pasted').map((e) => e.raw)).toContain(paste);
    // The collected evidence is kept as it was; answering again replaces the earlier answers.
    expect(answered.report.evidence.filter((e) => e.origin === 'collected')).toEqual(report.evidence);
    const again = await table.answerDiagnosis({ report: answered.report, answers: {} });
    if (!again.ok) throw new Error(again.errors.join('; '));
    expect(again.report.diagnosis.cause).toBe('service-not-running');
    expect(again.report.evidence).toEqual(report.evidence);
  });

  it('answers the tree cannot take come back as errors, one sentence each', async () => {
    const { table, eventsOf } = setup();
    cleanup.push(() => table.dispose());
    const report = await finishedReport(table, eventsOf, await closedPort('127.0.0.1'));
    const answered = await table.answerDiagnosis({ report, answers: { T2: { choice: 'maybe' }, T13: { paste: 'hello world' } } });
    expect(answered.ok).toBe(false);
    if (answered.ok) return;
    expect(answered.errors[0]).toMatch(/^T2: "maybe" is not an answer/);
  });

  it('a malformed report or answer is refused before the engine', async () => {
    const { table } = setup();
    await expect(table.answerDiagnosis({ report: { schema: 'portwise.report/1' }, answers: {} })).rejects.toBeInstanceOf(IpcValidationError);
    await expect(table.answerDiagnosis({ answers: {} })).rejects.toBeInstanceOf(IpcValidationError);
  });
});

describe('startDiagnosis: the wizard choices', () => {
  it.each([
    ['a bad SSH destination', { kind: 'ssh', destination: 'bad user@host', jumps: [], sudo: false }, 'bad-ssh-destination'],
    ['a bad jump host', { kind: 'ssh', destination: 'admin@198.18.0.2', jumps: ['-oProxyCommand=x'], sudo: false }, 'bad-jump-host'],
  ])('%s is refused with a message, and nothing starts', async (_name, access, code) => {
    const { table, emitted } = setup();
    cleanup.push(() => table.dispose());
    const response = await table.startDiagnosis({ target: '127.0.0.1:1', access });
    expect(response).toMatchObject({ ok: false, error: { code } });
    expect(emitted).toEqual([]);
  });

  it.each([
    ['a service with a newline', { target: '127.0.0.1:1', service: 'nginx\nrm' }],
    ['an unknown symptom', { target: '127.0.0.1:1', symptom: 'slow' }],
    ['an unknown access kind', { target: '127.0.0.1:1', access: { kind: 'vpn' } }],
    ['too many jump hosts', { target: '127.0.0.1:1', access: { kind: 'ssh', destination: 'a@b', jumps: Array(9).fill('a@b'), sudo: false } }],
  ])('%s is an invalid request', async (_name, payload) => {
    const { table } = setup();
    await expect(table.startDiagnosis(payload)).rejects.toBeInstanceOf(IpcValidationError);
  });

  it('the service and the symptom reach the report', async () => {
    const { table, eventsOf } = setup();
    cleanup.push(() => table.dispose());
    const port = await closedPort('127.0.0.1');
    const started = await table.startDiagnosis({ target: `127.0.0.1:${port}`, rounds: 1, timeoutMs: 1000, service: 'postgresql', symptom: 'timeout', access: { kind: 'none' } });
    if (!started.ok) throw new Error('did not start');
    await waitFor(() => eventsOf(started.runId).some((e) => e.type === 'finished'), 10_000, 'finished');
    const end = eventsOf(started.runId).find((e) => e.type === 'finished');
    if (end?.type !== 'finished') throw new Error('no report');
    expect(end.report).toMatchObject({ service: 'postgresql', symptom: 'timeout' });
  });

  it('answerPrompt for a run that asks nothing is not accepted', async () => {
    const { table } = setup();
    await expect(table.answerPrompt({ runId: 'nope', promptId: 'nope-p1', answer: { kind: 'host-key', accept: true } })).resolves.toEqual({ accepted: false });
    await expect(table.answerPrompt({ runId: 'nope', promptId: 'nope-p1', answer: { kind: 'secret' } })).rejects.toBeInstanceOf(IpcValidationError);
  });
});

describe('verifyFix: probe again after a fix', () => {
  it('a port that was refused and now listens: before refused, after connected, fixed', async () => {
    const { table, eventsOf } = setup();
    cleanup.push(() => table.dispose());
    const port = await closedPort('127.0.0.1');
    const started = await table.startDiagnosis({ target: `127.0.0.1:${port}`, rounds: 1, timeoutMs: 1000 });
    if (!started.ok) throw new Error('did not start');
    await waitFor(() => eventsOf(started.runId).some((e) => e.type === 'finished'), 10_000, 'finished');
    const end = eventsOf(started.runId).find((e) => e.type === 'finished');
    if (end?.type !== 'finished') throw new Error('no report');

    const notYet = await table.verifyFix({ report: end.report });
    expect(notYet).toMatchObject({ ok: true, fixed: false });

    const server = await listen({ host: '127.0.0.1', port });
    cleanup.push(() => server.close());
    const result = await table.verifyFix({ report: end.report });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.before.map((a) => a.status)).toEqual(['refused']);
    expect(result.after.map((a) => a.status)).toEqual(['connected']);
    expect(result.fixed).toBe(true);
  });
});

describe('known hosts over IPC: the real manager on the engine HOME', () => {
  it('pins in Portwise own file, lists it, removes it, and refuses bad payloads before touching a file', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { execFileSync } = await import('node:child_process');
    const home = await mkdtemp(join(tmpdir(), 'pw-ipc-known-hosts-'));
    cleanup.push(() => rm(home, { recursive: true, force: true }));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, 'k')]);
    const [keyType, key] = (await readFile(join(home, 'k.pub'), 'utf8')).split(' ') as [string, string];
    const table = createHandlerTable({ sink: { emit: () => undefined }, appInfo: { name: 'Portwise', version: '0', platform: 'linux' }, env: { HOME: home, PORTWISE_HOME: join(home, 'pw') } });
    cleanup.push(() => table.dispose());

    const pinned = await table.pinHostKey({ key: { host: 'db.example.com', port: 2222, keyType, key } });
    expect(pinned).toMatchObject({ ok: true, alreadyTrusted: false, fingerprint: expect.stringMatching(/^SHA256:/) });
    expect(await readFile(join(home, 'pw', 'known_hosts'), 'utf8')).toBe(`[db.example.com]:2222 ${keyType} ${key}\n`);
    const listed = await table.listKnownHosts({ host: 'db.example.com', port: 2222 });
    expect(listed.entries).toMatchObject([{ writable: true, line: 1, patterns: ['[db.example.com]:2222'] }]);
    expect(listed.missing).toContain(join(home, '.ssh', 'known_hosts'));
    const fingerprint = pinned.ok ? pinned.fingerprint : '';
    expect(await table.removeHostKey({ file: join(home, 'pw', 'known_hosts'), line: 1, fingerprint })).toMatchObject({ ok: true });
    expect((await table.listKnownHosts({})).entries).toEqual([]);

    await expect(table.pinHostKey({ key: { host: 'db', port: 22, keyType, key: 'AAAA$(touch /tmp/x)' } })).rejects.toThrow(IpcValidationError);
    await expect(table.repinHostKey({ key: { host: 'db', port: 22, keyType, key }, confirmedOld: [] })).rejects.toThrow(IpcValidationError);
    await expect(table.removeHostKey({ file: '/etc/ssh/ssh_known_hosts', line: 0, fingerprint: 'x' })).rejects.toThrow(IpcValidationError);
  });
});

describe('profiles over IPC: the real store on the engine HOME', () => {
  it('saves, lists, refuses a bad field by name, refuses removing a jump in use, and starts a diagnosis through a saved chain', async () => {
    const { mkdtemp, rm, readFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const home = await mkdtemp(join(tmpdir(), 'pw-ipc-profiles-'));
    cleanup.push(() => rm(home, { recursive: true, force: true }));
    const emitted: Emitted[] = [];
    const table = createHandlerTable({ sink: { emit: (name, payload) => emitted.push({ name, payload }) }, appInfo: { name: 'Portwise', version: '0', platform: 'linux' }, env: { HOME: home, PORTWISE_HOME: join(home, 'pw'), USER: 'tester' } });
    cleanup.push(() => table.dispose());

    const sshPort = await closedPort('127.0.0.1');
    const bastion = await table.saveProfile({ fields: { name: 'Bastion', host: '127.0.0.1', port: sshPort, user: 'ops' } });
    expect(bastion).toMatchObject({ ok: true, profile: { id: 'bastion', auth: 'agent', jumps: [] } });
    const db = await table.saveProfile({ fields: { name: 'DB', host: '127.0.0.1', user: 'root', jumps: ['bastion'], serviceHint: 'postgresql' } });
    expect(db).toMatchObject({ ok: true, profile: { id: 'db', jumps: ['bastion'] } });
    const bad = await table.saveProfile({ id: 'db', fields: { auth: 'key', keyPath: null } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid', problems: [{ field: 'keyPath', message: 'Key authentication needs the path of the key file.' }] } });
    await expect(table.saveProfile({ fields: { name: 'x', host: 'h', user: 'u', shell: 'rm -rf /' } })).rejects.toThrow(IpcValidationError);

    const listed = await table.listProfiles({});
    expect(listed.ok && listed.profiles.map((p) => p.id)).toEqual(['bastion', 'db']);
    expect(await table.removeProfile({ id: 'bastion' })).toMatchObject({ ok: false, error: { code: 'in-use' } });
    expect(JSON.parse(await readFile(join(home, 'pw', 'profiles.json'), 'utf8')).profiles).toHaveLength(2);

    // A diagnosis through the chain: the jump host's SSH port is closed, so the login fails at hop 1 of 2.
    const target = await closedPort('127.0.0.1');
    const started = await table.startDiagnosis({ target: `127.0.0.1:${target}`, rounds: 1, timeoutMs: 1000, access: { kind: 'profile', id: 'db' } });
    if (!started.ok) throw new Error(started.error.message);
    await waitFor(() => emitted.some((e) => (e.payload as { event: { type: string } }).event.type === 'finished'), 20_000, 'the run to end');
    const finished = emitted.map((e) => events.onDiagnosisEvent.parse(e.payload).event).find((e) => e.type === 'finished');
    const report = finished?.type === 'finished' ? finished.report : null;
    expect(report?.service).toBe('postgresql');
    expect(report?.sshFailure).toMatchObject({ kind: 'connect-failed', failedHop: { index: 1, total: 2, user: 'ops', port: sshPort, role: 'jump' } });

    const unknown = await table.startDiagnosis({ target: '127.0.0.1:1', access: { kind: 'profile', id: 'ghost' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'profile-not-found' } });
  });
});

describe('saved secrets over IPC: forgetting, and removing a profile takes its secrets along', () => {
  it('forgetSecret deletes the value and clears the profile\'s flag; removeProfile deletes both kinds; a bad ref never reaches the store', async () => {
    const { mkdtemp, rm, readFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createSafeStorageCipher } = await import('../../electron/main/safe-storage-cipher');
    const { fakeKeyring } = await import('../shared/fake-keyring');
    const { SecretStore } = await import('../../shared/node/store/secret-store');
    const { openProfileStore } = await import('../../shared/node/store/profile-store');
    const home = await mkdtemp(join(tmpdir(), 'pw-ipc-secrets-'));
    cleanup.push(() => rm(home, { recursive: true, force: true }));
    const env = { HOME: home, PORTWISE_HOME: join(home, 'pw') };
    const secretCipher = createSafeStorageCipher(fakeKeyring(), 'linux');
    const table = createHandlerTable({ sink: { emit: () => undefined }, appInfo: { name: 'Portwise', version: '0', platform: 'linux' }, env, secretCipher });
    cleanup.push(() => table.dispose());
    const secrets = new SecretStore({ cipher: secretCipher, env });

    await table.saveProfile({ fields: { name: 'DB', host: 'db.example.com', user: 'admin', auth: 'password' } });
    await secrets.set({ profileId: 'db', kind: 'password' }, 'pw-of-db');
    await secrets.set({ profileId: 'db', kind: 'passphrase' }, 'pass-of-db');
    await openProfileStore({ env }).markSecret('db', 'password');
    expect(await table.listProfiles({})).toMatchObject({ ok: true, profiles: [{ id: 'db', secret: 'password' }] });

    expect(await table.forgetSecret({ profileId: 'db', kind: 'password' })).toEqual({ ok: true, deleted: true });
    expect(await secrets.has({ profileId: 'db', kind: 'password' })).toEqual({ ok: true, present: false });
    expect(await openProfileStore({ env }).get('db')).toMatchObject({ ok: true, value: { secret: 'none' } });
    // Nothing left of that kind: said, not an error.
    expect(await table.forgetSecret({ profileId: 'db', kind: 'password' })).toEqual({ ok: true, deleted: false });
    await expect(table.forgetSecret({ profileId: '../db', kind: 'password' })).rejects.toThrow(IpcValidationError);
    await expect(table.forgetSecret({ profileId: 'db', kind: 'keyboard-interactive' })).rejects.toThrow(IpcValidationError);

    expect(await table.removeProfile({ id: 'db' })).toMatchObject({ ok: true, profile: { id: 'db' } });
    expect(await secrets.has({ profileId: 'db', kind: 'passphrase' })).toEqual({ ok: true, present: false });
    const file = await readFile(join(home, 'pw', 'secrets.json'), 'utf8');
    expect(JSON.parse(file).secrets).toEqual({});
    expect(file).not.toContain('pass-of-db');
  });
});
