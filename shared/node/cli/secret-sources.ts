/**
 * Where the CLI gets a password or a key passphrase. The CLI never stores one. In order:
 *   1. the SSH agent (ssh2 asks it directly; nothing to answer here),
 *   2. an environment variable the user NAMES (`--password-env NAME`, `--passphrase-env NAME`),
 *      so a script can pass a secret without putting it on the command line (where `ps` shows it),
 *   3. the terminal prompt (tty-prompt.ts), which declines when there is no terminal.
 * A value read here is handed to ssh2 and nowhere else: messages name the variable, never its value.
 */
import type { KeyboardInteractiveQuestion, PasswordQuestion, PromptPort } from '../ssh/prompt';

/** Shell-style names only: nothing that could be mistaken for a value pasted in by accident. */
export const SECRET_ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export type SecretEnvFlag = '--password-env' | '--passphrase-env';

export interface SecretEnvNames {
  /** The variable holding the login password (`--password-env`). */
  password?: string | undefined;
  /** The variable holding the passphrase of the identity files (`--passphrase-env`). */
  passphrase?: string | undefined;
}

export type SecretEnvProblem = 'bad-name' | 'missing' | 'empty';

export type SecretEnvCheck = { ok: true } | { ok: false; flag: SecretEnvFlag; problem: SecretEnvProblem; message: string };

export type EnvSecret = { ok: true; value: string } | { ok: false; problem: SecretEnvProblem; message: string };

/** Reads `env[name]`. The message names the flag and the variable, never the value. */
export function readSecretEnv(env: Readonly<Record<string, string | undefined>>, name: string, flag: SecretEnvFlag = '--password-env'): EnvSecret {
  if (!SECRET_ENV_NAME.test(name)) {
    // The name is not echoed: someone may have typed the password itself after the flag.
    return { ok: false, problem: 'bad-name', message: `${flag} takes the NAME of an environment variable (capital letters, digits and _, not starting with a digit), not a value.` };
  }
  const value = env[name];
  if (value === undefined) return { ok: false, problem: 'missing', message: `${flag} ${name}: the environment variable ${name} is not set.` };
  if (value === '') return { ok: false, problem: 'empty', message: `${flag} ${name}: the environment variable ${name} is empty.` };
  return { ok: true, value };
}

/**
 * Checks the flags before anything connects, so a typo is a usage error (exit 2) and not a login
 * that silently falls back to a prompt.
 */
export function checkSecretEnv(env: Readonly<Record<string, string | undefined>>, names: SecretEnvNames): SecretEnvCheck {
  const flags: [SecretEnvFlag, string | undefined][] = [
    ['--password-env', names.password],
    ['--passphrase-env', names.passphrase],
  ];
  for (const [flag, name] of flags) {
    if (name === undefined) continue;
    const read = readSecretEnv(env, name, flag);
    if (!read.ok) return { ok: false, flag, problem: read.problem, message: read.message };
  }
  return { ok: true };
}

/**
 * Wraps the CLI's prompt port: the first password question for the target host and the first
 * passphrase question for each key are answered from the named variables; a second attempt (the
 * variable's value was refused) and everything else go to `prompt`.
 *
 * - The password goes to the target host only, never to a jump host: a jump host is another
 *   server, and sending it the target's password would hand that password to a third party.
 * - A passphrase only unlocks a local key file, so it is offered for any hop's keys.
 * - A keyboard-interactive round that is exactly one hidden "password" prompt (PAM's usual shape)
 *   counts as a password question; any other round (one-time codes, several prompts) is asked.
 * - Host keys are never answered here.
 */
export function withEnvSecrets(prompt: PromptPort, env: Readonly<Record<string, string | undefined>>, names: SecretEnvNames): PromptPort {
  for (const name of [names.password, names.passphrase]) {
    if (name !== undefined && !SECRET_ENV_NAME.test(name)) throw new TypeError('withEnvSecrets: a variable name must match [A-Z_][A-Z0-9_]* (check it with checkSecretEnv first)');
  }
  const fromEnv = (name: string | undefined): string | null => {
    if (name === undefined) return null;
    const read = readSecretEnv(env, name);
    return read.ok ? read.value : null;
  };
  // Hops whose password (by either method) was already answered from the environment once.
  const passwordUsed = new Set<number>();
  const passwordFor = (hop: PasswordQuestion['hop']): string | null => {
    if (hop.role !== 'target' || passwordUsed.has(hop.index)) return null;
    const value = fromEnv(names.password);
    if (value !== null) passwordUsed.add(hop.index);
    return value;
  };

  return {
    confirmHostKey: (q) => prompt.confirmHostKey(q),
    async password(q) {
      const value = q.attempt === 1 ? passwordFor(q.hop) : null;
      return value ?? prompt.password(q);
    },
    async passphrase(q) {
      const value = q.attempt === 1 ? fromEnv(names.passphrase) : null;
      return value ?? prompt.passphrase(q);
    },
    async keyboardInteractive(q) {
      const value = isPasswordRound(q) ? passwordFor(q.hop) : null;
      return value !== null ? [value] : prompt.keyboardInteractive(q);
    },
  };
}

function isPasswordRound(q: KeyboardInteractiveQuestion): boolean {
  const only = q.prompts.length === 1 ? q.prompts[0] : undefined;
  return only !== undefined && !only.echo && /\bpassword\b/i.test(only.prompt) && !/\b(one[- ]time|otp|code|token|verification)\b/i.test(only.prompt);
}
