import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type Connection } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, type EventPayload } from '../../shared/common/ipc';
import type { DiagnosisEvent } from '../../shared/common/schema/events';
import { createHandlerTable } from '../../shared/node/handlers';
import { createSafeStorageCipher } from '../../electron/main/safe-storage-cipher';
import { fakeKeyring } from '../shared/fake-keyring';
import { waitForEvent } from './events';
import { closedPort } from './loopback';
import { ed25519KeyPair } from '../shared/ed25519-key';

/**
 * A saved password, end to end through the app's real handler table: the dialog's "remember", the
 * save after the login, a later connection test that uses it without asking, and the warning when
 * the server stops taking it. The server is ssh2's own, in process on loopback: sshd cannot take a
 * password without PAM and a real account. It takes logins but runs no commands, so every login
 * ends at the capability probe, which is not what is under test here.
 */

const USER = 'alice';
const FIRST = 'open sesame';
const SECOND = 'a new password';

let accepted = FIRST;
const requests: string[] = [];
let server: Server;
let port = 0;
let home: string;
const connections: Connection[] = [];

beforeAll(async () => {
  const key = ed25519KeyPair();
  server = new Server({ hostKeys: [key.private] }, (client) => {
    connections.push(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      requests.push(ctx.method);
      if (ctx.method === 'password' && ctx.username === USER && ctx.password === accepted) return ctx.accept();
      ctx.reject(['password']);
    });
    // A login, and nothing more: the session channel is refused.
    client.on('ready', () => client.on('session', (_accept, reject) => reject()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  home = await mkdtemp(join(tmpdir(), 'pw-saved-password-'));
  // The server's key is pinned in Portwise's own file: no host-key question in these runs.
  await mkdir(join(home, 'portwise'), { recursive: true });
  await writeFile(join(home, 'portwise', 'known_hosts'), `[127.0.0.1]:${port} ${key.public.split(' ').slice(0, 2).join(' ')}\n`);
});

afterAll(async () => {
  for (const c of connections) c.end();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(home, { recursive: true, force: true });
});

describe('a saved password through the app\'s handler table', () => {
  it('remembered at the login dialog, used by Test connection, and said to be refused once the server changed it', async () => {
    const emitted: DiagnosisEvent[] = [];
    const env = { HOME: home, PORTWISE_HOME: join(home, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const table = createHandlerTable({
      sink: { emit: (_name, payload) => emitted.push(events.onDiagnosisEvent.parse(payload as EventPayload<'onDiagnosisEvent'>).event) },
      appInfo: { name: 'Portwise', version: '0', platform: 'linux' },
      env,
      secretCipher: createSafeStorageCipher(fakeKeyring(), 'linux'),
    });
    try {
      const saved = await table.saveProfile({ fields: { name: 'Pw box', host: '127.0.0.1', port, user: USER, auth: 'password' } });
      expect(saved).toMatchObject({ ok: true, profile: { id: 'pw-box', secret: 'none' } });

      // Nothing saved yet: the test stops at the password, and says the login needs one.
      const before = await table.testProfile({ id: 'pw-box' });
      expect(before).toMatchObject({ ok: true, test: { hops: [{ login: 'needs-secret' }] } });

      // A diagnosis asks; the person ticks "remember".
      const target = await closedPort('127.0.0.1');
      const started = await table.startDiagnosis({ target: `127.0.0.1:${target}`, rounds: 1, timeoutMs: 1000, access: { kind: 'profile', id: 'pw-box' } });
      if (!started.ok) throw new Error(started.error.message);
      const prompt = await waitForEvent(emitted, (e) => e.type === 'prompt');
      if (prompt.type !== 'prompt' || prompt.prompt.kind !== 'password') throw new Error(`expected a password question, got ${JSON.stringify(prompt)}`);
      expect(prompt.prompt.remember).toEqual({ profileId: 'pw-box', profileName: 'Pw box', available: true, reason: null });
      expect(await table.answerPrompt({ runId: started.runId, promptId: prompt.prompt.id, answer: { kind: 'secret', value: FIRST, remember: true } })).toEqual({ accepted: true });
      await waitForEvent(emitted, (e) => e.type === 'finished');
      const secretEvents = emitted.filter((e) => e.type === 'secret');
      expect(secretEvents).toEqual([{ type: 'secret', profileId: 'pw-box', profileName: 'Pw box', kind: 'password', saved: true, message: 'The password for "Pw box" was saved, encrypted by the system keyring.' }]);
      // Told before the run's end, which the page treats as final.
      expect(emitted.findIndex((e) => e.type === 'secret')).toBeLessThan(emitted.findIndex((e) => e.type === 'finished'));
      expect(await table.listProfiles({})).toMatchObject({ ok: true, profiles: [{ id: 'pw-box', secret: 'password' }] });

      // Test connection now logs in with it, asking nothing.
      requests.length = 0;
      const after = await table.testProfile({ id: 'pw-box' });
      expect(after).toMatchObject({ ok: true, test: { hops: [{ login: 'ok' }], message: expect.stringMatching(/^Logged in, but the capability probe could not run/) } });
      expect(requests).toEqual(['none', 'password']);

      // The server's password changed: the saved one is refused, and the test says so.
      accepted = SECOND;
      const refused = await table.testProfile({ id: 'pw-box' });
      expect(refused).toMatchObject({ ok: true, test: { ok: false, hops: [{ login: 'needs-secret', detail: expect.stringContaining('The saved password for "Pw box" was refused by the server.') }] } });

      // Nowhere under PORTWISE_HOME in plain text.
      for (const entry of await readdir(join(home, 'portwise'), { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) expect((await readFile(join(entry.parentPath, entry.name))).includes(Buffer.from(FIRST)), entry.name).toBe(false);
      }
    } finally {
      table.dispose();
    }
  });
});
