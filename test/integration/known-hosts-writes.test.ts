import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type Connection } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, type EventPayload } from '../../shared/common/ipc';
import type { DiagnosisEvent } from '../../shared/common/schema/events';
import { createHandlerTable } from '../../shared/node/handlers';
import { waitForEvent } from './events';
import { closedPort } from './loopback';
import { ed25519KeyPair } from '../shared/ed25519-key';

/**
 * "Also add trusted keys to ~/.ssh/known_hosts", from the setting to the file: the app's handler
 * table saves the choice, a diagnosis meets an unknown host key, the dialog's question names both
 * files, and the key the person trusts lands in both. With the default, OpenSSH's file is untouched.
 * The server is ssh2's own, in process on loopback; it lets anyone in and runs nothing.
 */

let server: Server;
let port = 0;
let hostKeyLine = '';
let home: string;
const connections: Connection[] = [];

beforeAll(async () => {
  const key = ed25519KeyPair();
  hostKeyLine = key.public.split(' ').slice(0, 2).join(' ');
  server = new Server({ hostKeys: [key.private] }, (client) => {
    connections.push(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => client.on('session', (_accept, reject) => reject()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  home = await mkdtemp(join(tmpdir(), 'pw-known-hosts-writes-'));
});

afterAll(async () => {
  for (const c of connections) c.end();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(home, { recursive: true, force: true });
});

async function trustDuringDiagnosis(userHome: string): Promise<{ writesTo: readonly string[] | undefined }> {
  const emitted: DiagnosisEvent[] = [];
  const env = { HOME: userHome, PORTWISE_HOME: join(userHome, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const table = createHandlerTable({ sink: { emit: (_n, payload) => emitted.push(events.onDiagnosisEvent.parse(payload as EventPayload<'onDiagnosisEvent'>).event) }, appInfo: { name: 'Portwise', version: '0', platform: 'linux' }, env });
  try {
    const target = await closedPort('127.0.0.1');
    const started = await table.startDiagnosis({ target: `127.0.0.1:${target}`, rounds: 1, timeoutMs: 1000, access: { kind: 'ssh', destination: `alice@127.0.0.1:${port}`, jumps: [], sudo: false } });
    if (!started.ok) throw new Error(started.error.message);
    const prompt = await waitForEvent(emitted, (e) => e.type === 'prompt');
    if (prompt.type !== 'prompt' || prompt.prompt.kind !== 'host-key') throw new Error(`expected a host-key question, got ${JSON.stringify(prompt)}`);
    await table.answerPrompt({ runId: started.runId, promptId: prompt.prompt.id, answer: { kind: 'host-key', accept: true } });
    await waitForEvent(emitted, (e) => e.type === 'finished');
    return { writesTo: prompt.prompt.writesTo };
  } finally {
    table.dispose();
  }
}

describe('where a host key trusted during a diagnosis is written', () => {
  it('by default only in Portwise\'s own file; ~/.ssh/known_hosts is not created', async () => {
    const userHome = join(home, 'default');
    const { writesTo } = await trustDuringDiagnosis(userHome);
    expect(writesTo).toEqual([join(userHome, 'portwise', 'known_hosts')]);
    expect(await readFile(join(userHome, 'portwise', 'known_hosts'), 'utf8')).toBe(`[127.0.0.1]:${port} ${hostKeyLine}\n`);
    await expect(readFile(join(userHome, '.ssh', 'known_hosts'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('with "also OpenSSH\'s file" chosen, the question names both files and the key lands in both', async () => {
    const userHome = join(home, 'both');
    const table = createHandlerTable({ sink: { emit: () => undefined }, appInfo: { name: 'Portwise', version: '0', platform: 'linux' }, env: { HOME: userHome, PORTWISE_HOME: join(userHome, 'portwise') } });
    expect(await table.saveSettings({ settings: { knownHostsWrites: 'portwise-and-openssh' } })).toMatchObject({ ok: true });
    table.dispose();

    const { writesTo } = await trustDuringDiagnosis(userHome);
    expect(writesTo).toEqual([join(userHome, 'portwise', 'known_hosts'), join(userHome, '.ssh', 'known_hosts')]);
    for (const file of writesTo ?? []) expect(await readFile(file, 'utf8')).toBe(`[127.0.0.1]:${port} ${hostKeyLine}\n`);
  });
});
