import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ConnectChainOptions, HopSpec } from '../../../shared/node/ssh/connect';
import { SshError, type SshErrorKind } from '../../../shared/node/ssh/errors';
import type { PromptPort } from '../../../shared/node/ssh/prompt';
import type { Sshd } from '../harness/sshd';

export interface PromptCall {
  method: keyof PromptPort;
  req: unknown;
}

/**
 * A prompt port that answers from a script and records every question. A question the script does
 * not expect throws, so "the prompt was never called" is checked by `calls` being empty.
 */
export function scriptedPrompt(script: Partial<PromptPort> = {}): PromptPort & { calls: PromptCall[] } {
  const calls: PromptCall[] = [];
  const handle =
    <K extends keyof PromptPort>(method: K) =>
    (req: Parameters<PromptPort[K]>[0]): ReturnType<PromptPort[K]> => {
      calls.push({ method, req });
      const answer = script[method] as ((r: typeof req) => ReturnType<PromptPort[K]>) | undefined;
      if (answer === undefined) return Promise.reject(new Error(`unexpected prompt: ${method}`)) as ReturnType<PromptPort[K]>;
      return answer(req);
    };
  return {
    calls,
    confirmHostKey: handle('confirmHostKey'),
    passphrase: handle('passphrase'),
    password: handle('password'),
    keyboardInteractive: handle('keyboardInteractive'),
  };
}

export function hopTo(sshd: Pick<Sshd, 'host' | 'port' | 'user'>, auth: Partial<HopSpec> = {}): HopSpec {
  return { host: sshd.host, port: sshd.port, user: sshd.user, identityFiles: [], agent: false, password: false, keyboardInteractive: false, ...auth };
}

/** Known-hosts files for one test: the "user's" (read-only input) and Portwise's own. */
export async function knownHostsFiles(dir: string, name: string, userLines: readonly string[]): Promise<{ user: string; own: string }> {
  const user = join(dir, `${name}.user_known_hosts`);
  const own = join(dir, `${name}.portwise_known_hosts`);
  await writeFile(user, userLines.length > 0 ? `${userLines.join('\n')}\n` : '', { mode: 0o600 });
  return { user, own };
}

export function baseOptions(
  files: { user: string; own: string },
  prompt: PromptPort,
  rest: Partial<ConnectChainOptions> & Pick<ConnectChainOptions, 'hops'>,
): ConnectChainOptions {
  return {
    prompt,
    env: {},
    hostKeyPolicy: 'refuse',
    knownHostsFiles: [files.user],
    ownKnownHostsFile: files.own,
    readyTimeoutMs: 10_000,
    ...rest,
  };
}

/** Awaits a rejection and checks it is an SshError of the given kind. */
export async function expectSshError(promise: Promise<unknown>, kind: SshErrorKind): Promise<SshError> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the promise to reject').toBeInstanceOf(SshError);
  const error = caught as SshError;
  expect(error.kind, `${error.message} / ${error.detail}`).toBe(kind);
  return error;
}

export async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * sshd logs "userauth-request" (DEBUG1) for every authentication request. After a refused host key,
 * the session's log must end (connection closed) without a single one.
 */
export async function expectNoAuthAttempt(sshd: Sshd, offset: number): Promise<void> {
  const slice = await sshd.waitForLog(offset, /(?:Disconnected from|Connection closed by|Connection reset by) 127\.0\.0\.1 port \d+ \[preauth\]/);
  expect(slice).toMatch(/Connection from 127\.0\.0\.1/);
  expect(slice).not.toMatch(/userauth-request|Accepted publickey|Failed publickey/);
}
