import { describe, expect, it } from 'vitest';
import type { PromptRequest } from '../../shared/common/schema/prompts';
import { PromptBroker } from '../../shared/node/prompt-broker';

const hop = { index: 1, total: 1, user: 'admin', host: '198.18.0.2', port: 22, role: 'target' as const };

function setup() {
  const asked: PromptRequest[] = [];
  const closed: string[] = [];
  const broker = new PromptBroker('run-1', (p) => asked.push(p), (id) => closed.push(id));
  return { broker, asked, closed };
}

describe('PromptBroker: the wizard answers what SSH asks', () => {
  it('a host key question goes out as an event with the fingerprint, and the answer comes back', async () => {
    const { broker, asked, closed } = setup();
    const answer = broker.port.confirmHostKey({ hop, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', status: 'unknown' });
    expect(asked).toEqual([{ kind: 'host-key', id: 'run-1-p1', hop, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' }]);
    expect(broker.answer('run-1-p1', { kind: 'host-key', accept: true })).toBe(true);
    await expect(answer).resolves.toBe(true);
    expect(closed).toEqual(['run-1-p1']);
    // Answered once: a second answer finds nothing waiting.
    expect(broker.answer('run-1-p1', { kind: 'host-key', accept: false })).toBe(false);
  });

  it('a passphrase travels only in the answer, never in the question', async () => {
    const { broker, asked } = setup();
    const secret = broker.port.passphrase({ hop, keyPath: '/home/admin/.ssh/id_ed25519', attempt: 1 });
    expect(JSON.stringify(asked)).not.toContain('hunter2');
    expect(broker.answer(asked[0]!.id, { kind: 'secret', value: 'hunter2' })).toBe(true);
    await expect(secret).resolves.toBe('hunter2');
  });

  it('an answer of the wrong kind is refused and the question keeps waiting', async () => {
    const { broker, asked } = setup();
    const password = broker.port.password({ hop, attempt: 1 });
    expect(broker.answer(asked[0]!.id, { kind: 'host-key', accept: true })).toBe(false);
    expect(broker.answer(asked[0]!.id, { kind: 'secret', value: 'pw' })).toBe(true);
    await expect(password).resolves.toBe('pw');
  });

  it('keyboard-interactive needs one answer per prompt; anything else is a cancel', async () => {
    const { broker, asked } = setup();
    const prompts = [
      { prompt: 'Password: ', echo: false },
      { prompt: 'Code: ', echo: true },
    ];
    const short = broker.port.keyboardInteractive({ hop, name: '', instructions: '', prompts });
    broker.answer(asked[0]!.id, { kind: 'keyboard-interactive', values: ['only one'] });
    await expect(short).resolves.toBeNull();
    const full = broker.port.keyboardInteractive({ hop, name: '', instructions: '', prompts });
    broker.answer(asked[1]!.id, { kind: 'keyboard-interactive', values: ['pw', '123456'] });
    await expect(full).resolves.toEqual(['pw', '123456']);
  });

  it('closing (cancel, run end) declines every open question, and later questions at once', async () => {
    const { broker, closed, asked } = setup();
    const key = broker.port.confirmHostKey({ hop, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', status: 'unknown' });
    const pass = broker.port.password({ hop, attempt: 1 });
    broker.close();
    await expect(key).resolves.toBe(false);
    await expect(pass).resolves.toBeNull();
    expect(closed.sort()).toEqual(['run-1-p1', 'run-1-p2']);
    await expect(broker.port.password({ hop, attempt: 2 })).resolves.toBeNull();
    expect(asked).toHaveLength(2);
  });

  it('"remember": the offer goes out as data (never the callback), and a ticked answer is kept only where saving is possible', async () => {
    const { broker, asked } = setup();
    const kept: string[] = [];
    const offer = (available: boolean) => ({ profileId: 'db', profileName: 'Database', available, reason: available ? null : 'No keyring.', keep: (v: string) => kept.push(v) });
    const saved = { profileId: 'db', kind: 'password' as const, problem: 'refused' as const, message: 'The saved password for "Database" was refused by the server.' };

    const first = broker.port.password({ hop, attempt: 2, remember: offer(true), saved });
    expect(asked[0]).toEqual({ kind: 'password', id: 'run-1-p1', hop, attempt: 2, remember: { profileId: 'db', profileName: 'Database', available: true, reason: null }, saved });
    expect(broker.answer('run-1-p1', { kind: 'secret', value: 'pw-1', remember: true })).toBe(true);
    await expect(first).resolves.toBe('pw-1');

    // Not ticked: nothing kept.
    const second = broker.port.password({ hop, attempt: 1, remember: offer(true) });
    broker.answer('run-1-p2', { kind: 'secret', value: 'pw-2' });
    await second;

    // Ticked, but the offer said saving is not possible (a forged answer): nothing kept either.
    const third = broker.port.passphrase({ hop, keyPath: '/k', attempt: 1, remember: offer(false) });
    broker.answer('run-1-p3', { kind: 'secret', value: 'pw-3', remember: true });
    await third;

    // A cancel with "remember" keeps nothing.
    const fourth = broker.port.password({ hop, attempt: 1, remember: offer(true) });
    broker.answer('run-1-p4', { kind: 'secret', value: null, remember: true });
    await expect(fourth).resolves.toBeNull();

    expect(kept).toEqual(['pw-1']);
  });
});
