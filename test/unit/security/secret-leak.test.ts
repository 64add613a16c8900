// Data safety: the secrets a person types (an SSH password, a key's passphrase, a wrong password
// first) never reach the disk or an exported report in any readable form. Everything runs through the
// app's real handler table, as the wizard drives it; only Electron's safeStorage is a stand-in (it
// encrypts for real, see test/shared/fake-keyring.ts). The SSH server is ssh2's own, in process on
// loopback, like test/integration/saved-password.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, utils, type Connection } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, type EventPayload } from '../../../shared/common/ipc';
import type { DiagnosisEvent } from '../../../shared/common/schema/events';
import type { Report } from '../../../shared/common/schema/report';
import { createHandlerTable } from '../../../shared/node/handlers';
import { createSafeStorageCipher } from '../../../electron/main/safe-storage-cipher';
import { closedPort } from '../../integration/loopback';
import { ed25519KeyPair } from '../../shared/ed25519-key';
import { fakeKeyring } from '../../shared/fake-keyring';
import { base64Cores, filesWithBytes, findSecrets, secretForms, type SecretLeak } from './secret-scan';

// Unique per run, with characters that escaping changes (space, &, <, ", é), so each escaped form differs.
const canary = (label: string) => `${label} ${randomBytes(9).toString('hex')} &<"é`;
const SECRETS = {
  password: canary('pw-canary'),
  passphrase: canary('pp-canary'),
  'wrong password': canary('wrong-canary'),
};

describe('the secret scanner', () => {
  it('finds each secret in every form it looks for, at any offset, and nothing in clean bytes', () => {
    const secret = SECRETS.password;
    const forms = secretForms(secret);
    // 7 text forms and 3 base64 alignments (base64url is left out where it equals base64).
    expect(forms.length).toBeGreaterThanOrEqual(10);
    for (const { form, bytes } of forms) {
      for (const pad of [0, 1, 2, 5]) {
        const data = Buffer.concat([randomBytes(pad), bytes, randomBytes(3)]);
        expect(findSecrets('planted', data, { password: secret }).map((l) => l.form), `${form} at ${pad}`).toContain(form);
      }
    }
    // Base64 of a file that holds the secret somewhere inside, as a careless "encode the config" would write it.
    for (const pad of [0, 1, 2, 3, 7]) {
      const encoded = Buffer.from(Buffer.concat([randomBytes(pad), Buffer.from(`{"password":"${secret}"}`)]).toString('base64'));
      expect(findSecrets('b64 file', encoded, { password: secret }).length, `pad ${pad}`).toBeGreaterThan(0);
    }
    expect(findSecrets('clean', randomBytes(4096), SECRETS)).toEqual([]);
    expect(base64Cores(Buffer.from(secret)).every((core) => core.length >= 16)).toBe(true);
  });
});

/** A loopback SSH server: alice logs in with the password, bob with the passphrase-protected key. */
async function sshServer(bobPublic: ReturnType<typeof utils.parseKey>) {
  const hostKey = ed25519KeyPair();
  const connections: Connection[] = [];
  const bob = bobPublic instanceof Error ? null : Array.isArray(bobPublic) ? bobPublic[0] : bobPublic;
  if (!bob) throw new Error('unreadable public key');
  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.push(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === 'alice' && ctx.password === SECRETS.password) return ctx.accept();
      if (ctx.method === 'publickey' && ctx.username === 'bob' && ctx.key.algo === bob.type && ctx.key.data.equals(bob.getPublicSSH())) {
        if (!ctx.signature || !ctx.blob) return ctx.accept();
        return bob.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
      }
      ctx.reject(ctx.username === 'bob' ? ['publickey'] : ['password']);
    });
    // Logins only: the session channel is refused, so each run ends at the capability probe.
    client.on('ready', () => client.on('session', (_accept, reject) => reject()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${hostKey.public.split(' ').slice(0, 2).join(' ')}\n`,
    close: async () => {
      for (const c of connections) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An ed25519 key encrypted with the passphrase, that ssh2 can read back with it. */
function encryptedKey(passphrase: string) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 4 });
    if (!(utils.parseKey(pair.private, passphrase) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error('ssh2 generated 20 unreadable keys in a row');
}

let home: string;
let server: Awaited<ReturnType<typeof sshServer>>;
let table: ReturnType<typeof createHandlerTable>;
const emitted: DiagnosisEvent[] = [];
/** Every exported report, by a name that says which (format, redaction, source). */
const exported = new Map<string, Buffer>();
/** What went to the PDF printer (the report's HTML); its bytes are scanned like a report's. */
const printed: string[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'pw-secret-leak-'));
  const key = encryptedKey(SECRETS.passphrase);
  // The key file lives in the user's ~/.ssh (inside the scanned home): encrypted, so its bytes hide the passphrase too.
  await mkdir(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  await writeFile(join(home, '.ssh', 'id_bob'), key.private, { mode: 0o600 });
  server = await sshServer(utils.parseKey(key.public));
  await mkdir(join(home, 'portwise'), { recursive: true });
  await writeFile(join(home, 'portwise', 'known_hosts'), server.knownHostsLine);
  table = createHandlerTable({
    sink: { emit: (_name, payload) => emitted.push(events.onDiagnosisEvent.parse(payload as EventPayload<'onDiagnosisEvent'>).event) },
    appInfo: { name: 'Portwise', version: '0', platform: 'linux' },
    env: { HOME: home, PORTWISE_HOME: join(home, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    secretCipher: createSafeStorageCipher(fakeKeyring(), 'linux'),
    printPdf: async (html) => {
      printed.push(html);
      return new TextEncoder().encode(`%PDF-1.7\n${html}`);
    },
  });
}, 30_000);

afterAll(async () => {
  table?.dispose();
  await server?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Runs one diagnosis with a profile; answers each secret question from `answers` in order, remembering it. */
async function diagnose(profileId: string, answers: string[]): Promise<DiagnosisEvent[]> {
  const from = emitted.length;
  const target = await closedPort('127.0.0.1');
  const started = await table.startDiagnosis({ target: `127.0.0.1:${target}`, rounds: 1, timeoutMs: 1000, access: { kind: 'profile', id: profileId } });
  if (!started.ok) throw new Error(started.error.message);
  const mine = () => emitted.slice(from);
  const answered = new Set<string>();
  const deadline = Date.now() + 30_000;
  while (!mine().some((e) => e.type === 'finished')) {
    if (Date.now() > deadline) throw new Error(`the run did not finish: ${mine().map((e) => e.type).join(', ')}`);
    const prompt = mine().find((e) => e.type === 'prompt' && !answered.has(e.prompt.id));
    if (prompt?.type === 'prompt') {
      answered.add(prompt.prompt.id);
      const value = answers.shift();
      if (value === undefined) throw new Error(`an unexpected question: ${prompt.prompt.kind}`);
      await table.answerPrompt({ runId: started.runId, promptId: prompt.prompt.id, answer: { kind: 'secret', value, remember: true } });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(answers, 'every planned answer was asked for').toEqual([]);
  return mine();
}

async function exportAll(label: string, report: Report): Promise<void> {
  for (const format of ['json', 'md', 'html', 'pdf'] as const) {
    for (const redact of [[], ['hosts', 'ips', 'users', 'paths']] as const) {
      const out = await table.exportReport({ report, format, redact: [...redact] });
      if (!out.ok) throw new Error(out.message);
      exported.set(`${label}.${format}${redact.length ? ' (redacted)' : ''}`, Buffer.from(out.content, out.encoding));
    }
  }
}

describe('no secret on disk or in a report', () => {
  it('saves a password and a passphrase, runs, keeps history, exports every format: no secret in any file or report', async () => {
    expect(await table.saveProfile({ fields: { name: 'Pw box', host: '127.0.0.1', port: server.port, user: 'alice', auth: 'password' } })).toMatchObject({ ok: true });
    expect(await table.saveProfile({ fields: { name: 'Key box', host: '127.0.0.1', port: server.port, user: 'bob', auth: 'key', keyPath: join(home, '.ssh', 'id_bob') } })).toMatchObject({ ok: true });

    // The password: a wrong one first (refused by the server), then the right one; both "remembered".
    const pwRun = await diagnose('pw-box', [SECRETS['wrong password'], SECRETS.password]);
    expect(pwRun.filter((e) => e.type === 'secret')).toMatchObject([{ kind: 'password', saved: true }]);
    // The passphrase of the key.
    const keyRun = await diagnose('key-box', [SECRETS.passphrase]);
    expect(keyRun.filter((e) => e.type === 'secret')).toMatchObject([{ kind: 'passphrase', saved: true }]);
    const profiles = await table.listProfiles({});
    expect(profiles.ok && profiles.profiles.map((p) => [p.id, p.secret]).sort()).toEqual([
      ['key-box', 'passphrase'],
      ['pw-box', 'password'],
    ]);

    // The saved secrets are used: no question this time, and the logins succeed.
    await diagnose('pw-box', []);
    await diagnose('key-box', []);
    expect(await table.testProfile({ id: 'pw-box' })).toMatchObject({ ok: true, test: { hops: [{ login: 'ok' }] } });
    expect(await table.testProfile({ id: 'key-box' })).toMatchObject({ ok: true, test: { hops: [{ login: 'ok' }] } });
    expect(await table.saveSettings({ settings: { knownHostsWrites: 'portwise' } })).toMatchObject({ ok: true });

    // The history, read back the way the History screen does, and every report exported.
    const history = await table.listHistory({});
    if (!history.ok) throw new Error(history.message);
    expect(history.entries.length).toBe(4);
    for (const entry of history.entries) {
      const got = await table.getHistoryReport({ id: entry.id });
      if (!got.ok) throw new Error(got.error.message);
      await exportAll(`history ${entry.id}`, got.report);
    }
    // The reports as the page got them at the end of each run (what "Export" uses right after a run).
    const finished = emitted.filter((e) => e.type === 'finished');
    expect(finished).toHaveLength(4);
    for (const [i, e] of finished.entries()) if (e.type === 'finished') await exportAll(`run ${i}`, e.report);
    expect(exported.size).toBe(8 * 8);
    expect(printed).toHaveLength(8 * 2);

    const files = await filesWithBytes(home);
    const names = files.map((f) => f.path.slice(home.length + 1));
    // What was scanned really is the app's data: profiles, the encrypted secrets, history, settings, known hosts.
    for (const expected of ['portwise/profiles.json', 'portwise/secrets.json', 'portwise/settings.json', 'portwise/known_hosts']) expect(names).toContain(expected);
    expect(names.filter((n) => n.startsWith('portwise/history/')).length).toBe(4);

    // And the app's files are private to the user: no group or other access (the test wrote known_hosts itself).
    for (const f of files.filter((f) => f.path.startsWith(join(home, 'portwise')) && !f.path.endsWith('known_hosts'))) {
      expect((await stat(f.path)).mode & 0o077, f.path.slice(home.length + 1)).toBe(0);
    }

    const leaks: SecretLeak[] = [
      ...files.flatMap((f) => findSecrets(f.path.slice(home.length + 1), f.bytes, SECRETS)),
      ...[...exported].flatMap(([name, bytes]) => findSecrets(`export ${name}`, bytes, SECRETS)),
      ...printed.flatMap((html, i) => findSecrets(`printed HTML ${i}`, Buffer.from(html), SECRETS)),
    ];
    // Labels and forms only: a failure never prints a secret.
    expect(leaks).toEqual([]);
  }, 120_000);
});
