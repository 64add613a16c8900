/**
 * ssh2's `authHandler` for one hop. Order: agent, each identity file, password, keyboard-interactive,
 * only what the hop allows and only what the server still offers (`methodsLeft`). A partial success
 * (multi-factor) keeps going with the methods left. Secrets go to ssh2 and nowhere else: the state
 * below records method names and key paths, never a passphrase, password or answer.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { utils, type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware, type ParsedKey } from './ssh2';
import { SshError } from './errors';
import type { HopLabel, PromptPort } from './prompt';

export interface AuthSpec {
  user: string;
  identityFiles: readonly string[];
  agent: boolean;
  password: boolean;
  keyboardInteractive: boolean;
}

export interface AuthOptions {
  hop: HopLabel;
  spec: AuthSpec;
  prompt: PromptPort;
  /** Where SSH_AUTH_SOCK comes from (the caller's environment, not necessarily process.env). */
  env: Readonly<Record<string, string | undefined>>;
  platform?: NodeJS.Platform;
  readFile?: (path: string) => Promise<Buffer>;
  /** True once the attempt is over: a late prompt answer must not reach ssh2. */
  isClosed?: () => boolean;
  /** Same as OpenSSH's NumberOfPasswordPrompts. */
  maxAttempts?: number;
}

export interface AuthState {
  /** What was tried, in order ("agent", "publickey /path", "password", "keyboard-interactive"). */
  tried: string[];
  /** The server's last `methodsLeft` (null until the first failure). */
  serverMethods: AuthenticationType[] | null;
  /** Methods that succeeded partially (multi-factor). */
  partial: string[];
  /** Facts worth showing when auth fails (wrong passphrases, skipped methods). */
  notes: string[];
  /** The handler answered `false`: nothing left to try. */
  exhausted: boolean;
  /** A failure that is not "the server said no": cancelled by the user, unreadable key. */
  failure: SshError | null;
}

export interface AuthHandle {
  authHandler: AuthHandlerMiddleware;
  state: AuthState;
}

type Step =
  | { kind: 'agent'; wire: 'publickey'; socket: string; attempts: number; done: boolean }
  | { kind: 'key'; wire: 'publickey'; path: string; attempts: number; done: boolean; data?: Buffer }
  | { kind: 'password'; wire: 'password'; attempts: number; done: boolean }
  | { kind: 'keyboard-interactive'; wire: 'keyboard-interactive'; attempts: number; done: boolean };

function describe(step: Step): string {
  return step.kind === 'key' ? `publickey ${step.path}` : step.kind;
}

function firstKey(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  if (Array.isArray(parsed)) return parsed[0] ?? new Error('no key in file');
  return parsed;
}

class Cancelled extends Error {}

export function createAuthHandler(options: AuthOptions): AuthHandle {
  const { hop, spec, prompt } = options;
  const maxAttempts = options.maxAttempts ?? 3;
  const readFile = options.readFile ?? ((p: string) => fsReadFile(p));
  const state: AuthState = { tried: [], serverMethods: null, partial: [], notes: [], exhausted: false, failure: null };

  const steps: Step[] = [];
  const agentSocket = (options.platform ?? process.platform) === 'win32' ? 'pageant' : options.env.SSH_AUTH_SOCK;
  if (spec.agent) {
    if (agentSocket) steps.push({ kind: 'agent', wire: 'publickey', socket: agentSocket, attempts: 0, done: false });
    else state.notes.push('agent allowed, but SSH_AUTH_SOCK is not set');
  }
  for (const path of spec.identityFiles) steps.push({ kind: 'key', wire: 'publickey', path, attempts: 0, done: false });
  if (spec.password) steps.push({ kind: 'password', wire: 'password', attempts: 0, done: false });
  if (spec.keyboardInteractive) steps.push({ kind: 'keyboard-interactive', wire: 'keyboard-interactive', attempts: 0, done: false });

  let last: Step | null = null;
  let sentNone = false;

  const ask = async <T>(question: () => Promise<T | null>): Promise<T> => {
    if (options.isClosed?.()) throw new Cancelled('the connection attempt is over');
    let answer: T | null;
    try {
      answer = await question();
    } catch (error) {
      throw new Cancelled(`the prompt failed: ${(error as Error).message}`);
    }
    if (answer === null) throw new Cancelled('cancelled by the user');
    return answer;
  };

  const readKey = async (step: Step & { kind: 'key' }): Promise<Buffer> => {
    if (step.data !== undefined) return step.data;
    try {
      step.data = await readFile(step.path);
      return step.data;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new SshError('key-unreadable', hop, `cannot read the identity file ${step.path} (${code}).`, { keyPath: step.path, cause: error });
    }
  };

  const isEncrypted = (data: Buffer): boolean => {
    const parsed = firstKey(utils.parseKey(data));
    return parsed instanceof Error && /no passphrase given/i.test(parsed.message);
  };

  /** Would trying this step ask the user something? */
  const needsPrompt = async (step: Step): Promise<boolean> =>
    step.kind === 'password' || step.kind === 'keyboard-interactive' || (step.kind === 'key' && isEncrypted(await readKey(step)));

  /** Reads and, when needed, decrypts one identity file. null: give up on this key (wrong passphrase 3 times). */
  const loadKey = async (step: Step & { kind: 'key' }): Promise<ParsedKey | null> => {
    const { path } = step;
    const data = await readKey(step);
    let parsed = firstKey(utils.parseKey(data));
    if (parsed instanceof Error) {
      if (!/no passphrase given/i.test(parsed.message)) {
        throw new SshError('key-unreadable', hop, `the identity file ${path} is not a private key Portwise can read.`, { keyPath: path, detail: parsed.message });
      }
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const passphrase = await ask(() => prompt.passphrase({ hop, keyPath: path, attempt }));
        parsed = firstKey(utils.parseKey(data, passphrase));
        if (!(parsed instanceof Error)) break;
      }
      if (parsed instanceof Error) {
        state.notes.push(`wrong passphrase for ${path} (${maxAttempts} attempts); key skipped`);
        return null;
      }
    }
    if (!parsed.isPrivateKey()) {
      throw new SshError('key-unreadable', hop, `the identity file ${path} holds a public key; give the private key file instead.`, { keyPath: path });
    }
    return parsed;
  };

  const methodFor = async (step: Step): Promise<AnyAuthMethod | null> => {
    const username = spec.user;
    switch (step.kind) {
      case 'agent':
        step.done = true;
        return { type: 'agent', username, agent: step.socket };
      case 'key': {
        step.done = true;
        const key = await loadKey(step);
        return key === null ? null : { type: 'publickey', username, key };
      }
      case 'password': {
        const attempt = ++step.attempts;
        if (attempt >= maxAttempts) step.done = true;
        const password = await ask(() => prompt.password({ hop, attempt }));
        return { type: 'password', username, password };
      }
      case 'keyboard-interactive': {
        if (++step.attempts >= maxAttempts) step.done = true;
        return {
          type: 'keyboard-interactive',
          username,
          prompt: (name, instructions, _lang, prompts, finish) => {
            const req = { hop, name, instructions, prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true })) };
            ask(() => prompt.keyboardInteractive(req)).then(
              (answers) => {
                if (!options.isClosed?.()) finish(prompts.map((_, i) => answers[i] ?? ''));
              },
              (error: unknown) => {
                // ssh2 cannot abandon a keyboard-interactive round: answer nothing and let the
                // connection code end the attempt, which sees `failure` first.
                state.failure = new SshError('cancelled', hop, 'authentication was cancelled (keyboard-interactive).', { detail: (error as Error).message });
                if (!options.isClosed?.()) finish(prompts.map(() => ''));
              },
            );
          },
        };
      }
    }
  };

  const choose = async (methodsLeft: AuthenticationType[] | null): Promise<AnyAuthMethod | false> => {
    for (;;) {
      if (state.failure) return false;
      const step = steps.find((s) => !s.done && (methodsLeft === null || methodsLeft.includes(s.wire)));
      if (step === undefined) {
        state.exhausted = true;
        return false;
      }
      let method: AnyAuthMethod | null;
      try {
        // Before the first failure we do not know what the server accepts. Rather than ask for a
        // password or passphrase the server may not want, learn its methods with "none" first.
        if (methodsLeft === null && !sentNone && (await needsPrompt(step))) {
          sentNone = true;
          last = null;
          return { type: 'none', username: spec.user };
        }
        method = await methodFor(step);
      } catch (error) {
        if (error instanceof SshError) state.failure = error;
        else if (error instanceof Cancelled) state.failure = new SshError('cancelled', hop, 'authentication was cancelled.', { detail: error.message });
        else state.failure = new SshError('protocol', hop, 'authentication failed unexpectedly.', { detail: (error as Error).message, cause: error });
        return false;
      }
      if (method === null) continue;
      last = step;
      state.tried.push(describe(step));
      return method;
    }
  };

  const authHandler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, nextAuth) => {
    // ssh2 accepts `false` ("nothing left"); @types/ssh2 does not say so.
    const next = nextAuth as (method: AnyAuthMethod | false) => void;
    // ssh2 passes null for both before the first attempt.
    const left = (methodsLeft as AuthenticationType[] | null) ?? null;
    if (left !== null) state.serverMethods = [...left];
    if (partialSuccess === true && last !== null) {
      state.partial.push(describe(last));
      last.done = true;
    }
    choose(left).then(
      (method) => {
        if (!options.isClosed?.()) next(method);
      },
      (error: unknown) => {
        state.failure = new SshError('protocol', hop, 'authentication failed unexpectedly.', { detail: (error as Error).message, cause: error });
        if (!options.isClosed?.()) next(false);
      },
    );
  };

  return { authHandler, state };
}

/** The SshError for "the server refused everything we had". */
export function authFailedError(state: AuthState, hop: HopLabel, detail?: string): SshError {
  const tried = state.tried.length > 0 ? state.tried.join(', ') : 'nothing was offered to the server';
  const offered = state.serverMethods === null ? 'not known yet' : state.serverMethods.join(', ') || 'none';
  const notes = state.notes.length > 0 ? ` ${state.notes.join('; ')}.` : '';
  const partial = state.partial.length > 0 ? ` Partly accepted (multi-factor): ${state.partial.join(', ')}.` : '';
  return new SshError('auth-failed', hop, `authentication failed.${notes} Tried: ${tried}. The server accepts: ${offered}.${partial}`, {
    methodsTried: [...state.tried],
    serverMethods: state.serverMethods === null ? null : [...state.serverMethods],
    detail: detail ?? '',
  });
}
