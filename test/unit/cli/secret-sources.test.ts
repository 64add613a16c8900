import { describe, expect, it, vi } from 'vitest';
import { checkSecretEnv, readSecretEnv, SECRET_ENV_NAME, withEnvSecrets } from '../../../shared/node/cli/secret-sources';
import type { HopLabel, KeyboardInteractiveQuestion, PromptPort } from '../../../shared/node/ssh/prompt';

const SECRET = 'env-Secret-Value-9f3';
const PASSPHRASE = 'env-Passphrase-77';

const target: HopLabel = { index: 2, total: 2, user: 'bob', host: 'db.example', port: 22, role: 'target' };
const jump: HopLabel = { index: 1, total: 2, user: 'alice', host: 'bastion.example', port: 22, role: 'jump' };

/** The terminal prompt, as a recording fake. */
function fakePrompt() {
  return {
    confirmHostKey: vi.fn(async () => true),
    password: vi.fn(async () => 'typed-password'),
    passphrase: vi.fn(async () => 'typed-passphrase'),
    keyboardInteractive: vi.fn(async (q: KeyboardInteractiveQuestion) => q.prompts.map(() => 'typed-answer')),
  } satisfies PromptPort;
}

const ki = (hop: HopLabel, prompts: { prompt: string; echo: boolean }[]): KeyboardInteractiveQuestion => ({ hop, name: '', instructions: '', prompts });

describe('readSecretEnv', () => {
  it('reads the named variable', () => {
    expect(readSecretEnv({ PW: SECRET }, 'PW')).toEqual({ ok: true, value: SECRET });
    expect(readSecretEnv({ _X1: SECRET }, '_X1')).toEqual({ ok: true, value: SECRET });
  });

  it.each(['pw', 'Pw', '1PW', 'PW-1', 'PW NAME', '', '$PW', 'PW=1', SECRET, 'hunter2'])('refuses the name %j, without echoing it', (name) => {
    const result = readSecretEnv({ [name]: SECRET }, name, '--password-env');
    expect(result).toMatchObject({ ok: false, problem: 'bad-name' });
    expect(!result.ok && result.message).toBe('--password-env takes the NAME of an environment variable (capital letters, digits and _, not starting with a digit), not a value.');
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('a missing or empty variable is a sentence naming the flag and the variable, never a value', () => {
    expect(readSecretEnv({}, 'PORTWISE_PW', '--passphrase-env')).toEqual({
      ok: false,
      problem: 'missing',
      message: '--passphrase-env PORTWISE_PW: the environment variable PORTWISE_PW is not set.',
    });
    expect(readSecretEnv({ PORTWISE_PW: '' }, 'PORTWISE_PW')).toMatchObject({ ok: false, problem: 'empty' });
  });

  it('the name pattern is shell-style', () => {
    expect(SECRET_ENV_NAME.source).toBe('^[A-Z_][A-Z0-9_]*$');
  });
});

describe('checkSecretEnv (before connecting: a usage error, not a silent prompt)', () => {
  it('passes when no flag is given or every named variable is set', () => {
    expect(checkSecretEnv({}, {})).toEqual({ ok: true });
    expect(checkSecretEnv({ PW: SECRET, PP: PASSPHRASE }, { password: 'PW', passphrase: 'PP' })).toEqual({ ok: true });
  });

  it('names the flag at fault', () => {
    expect(checkSecretEnv({ PW: SECRET }, { password: 'PW', passphrase: 'NOPE' })).toMatchObject({ ok: false, flag: '--passphrase-env', problem: 'missing' });
    const bad = checkSecretEnv({ PW: SECRET }, { password: SECRET });
    expect(bad).toMatchObject({ ok: false, flag: '--password-env', problem: 'bad-name' });
    expect(JSON.stringify(bad)).not.toContain(SECRET);
  });
});

describe('withEnvSecrets', () => {
  it('answers the target password from the variable first, then falls back to the prompt on a second attempt', async () => {
    const prompt = fakePrompt();
    const port = withEnvSecrets(prompt, { PW: SECRET }, { password: 'PW' });
    expect(await port.password({ hop: target, attempt: 1 })).toBe(SECRET);
    expect(prompt.password).not.toHaveBeenCalled();
    expect(await port.password({ hop: target, attempt: 2 })).toBe('typed-password');
    expect(prompt.password).toHaveBeenCalledOnce();
  });

  it('never sends the password to a jump host', async () => {
    const prompt = fakePrompt();
    const port = withEnvSecrets(prompt, { PW: SECRET }, { password: 'PW' });
    expect(await port.password({ hop: jump, attempt: 1 })).toBe('typed-password');
    expect(await port.keyboardInteractive(ki(jump, [{ prompt: 'Password: ', echo: false }]))).toEqual(['typed-answer']);
  });

  it('answers the passphrase of each key once from the variable (any hop: it only unlocks a local file)', async () => {
    const prompt = fakePrompt();
    const port = withEnvSecrets(prompt, { PP: PASSPHRASE }, { passphrase: 'PP' });
    expect(await port.passphrase({ hop: jump, keyPath: '/k/a', attempt: 1 })).toBe(PASSPHRASE);
    expect(await port.passphrase({ hop: target, keyPath: '/k/b', attempt: 1 })).toBe(PASSPHRASE);
    expect(await port.passphrase({ hop: target, keyPath: '/k/b', attempt: 2 })).toBe('typed-passphrase');
    // No password variable: password questions go to the prompt.
    expect(await port.password({ hop: target, attempt: 1 })).toBe('typed-password');
  });

  it('answers a single hidden "password" keyboard-interactive round once; other rounds are asked', async () => {
    const prompt = fakePrompt();
    const port = withEnvSecrets(prompt, { PW: SECRET }, { password: 'PW' });
    expect(await port.keyboardInteractive(ki(target, [{ prompt: 'Verification code: ', echo: false }]))).toEqual(['typed-answer']);
    expect(await port.keyboardInteractive(ki(target, [{ prompt: 'Password one-time code: ', echo: false }]))).toEqual(['typed-answer']);
    expect(await port.keyboardInteractive(ki(target, [{ prompt: 'Password: ', echo: true }]))).toEqual(['typed-answer']);
    expect(await port.keyboardInteractive(ki(target, [{ prompt: 'Password: ', echo: false }, { prompt: 'OTP: ', echo: false }]))).toEqual(['typed-answer', 'typed-answer']);
    expect(await port.keyboardInteractive(ki(target, [{ prompt: "bob@db's password: ", echo: false }]))).toEqual([SECRET]);
    // Refused once: the same value is not sent again.
    expect(await port.keyboardInteractive(ki(target, [{ prompt: 'Password: ', echo: false }]))).toEqual(['typed-answer']);
  });

  it('the password method and a keyboard-interactive password share one try', async () => {
    const prompt = fakePrompt();
    const port = withEnvSecrets(prompt, { PW: SECRET }, { password: 'PW' });
    expect(await port.password({ hop: target, attempt: 1 })).toBe(SECRET);
    expect(await port.keyboardInteractive(ki(target, [{ prompt: 'Password: ', echo: false }]))).toEqual(['typed-answer']);
  });

  it('a variable that disappeared falls back to the prompt; host keys always go to the prompt', async () => {
    const prompt = fakePrompt();
    const env: Record<string, string | undefined> = { PW: SECRET };
    const port = withEnvSecrets(prompt, env, { password: 'PW' });
    delete env.PW;
    expect(await port.password({ hop: target, attempt: 1 })).toBe('typed-password');
    const q = { hop: target, keyType: 'ssh-ed25519', fingerprint: 'SHA256:x', status: 'unknown' as const };
    expect(await port.confirmHostKey(q)).toBe(true);
    expect(prompt.confirmHostKey).toHaveBeenCalledExactlyOnceWith(q);
  });

  it('a cancelled prompt stays cancelled (null)', async () => {
    const prompt = fakePrompt();
    prompt.password.mockResolvedValueOnce(null as unknown as string);
    const port = withEnvSecrets(prompt, {}, {});
    expect(await port.password({ hop: target, attempt: 1 })).toBeNull();
  });

  it('refuses a bad variable name at construction, without echoing it', () => {
    expect(() => withEnvSecrets(fakePrompt(), {}, { password: SECRET })).toThrow(TypeError);
    try {
      withEnvSecrets(fakePrompt(), {}, { password: SECRET });
    } catch (err) {
      expect(String(err)).not.toContain(SECRET);
    }
  });
});
