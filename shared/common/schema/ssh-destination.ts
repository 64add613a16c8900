import { err, ok, type Result } from '../result';
import { parseTarget, shown } from './target-text';

/** `user@host[:port]` for --ssh and --jump. */
export interface SshDestination {
  user: string | null;
  host: string;
  port: number;
}

export interface SshDestinationError {
  code: 'bad-user' | 'bad-host' | 'empty';
  message: string;
}

// POSIX-portable user names (plus the `$` of Samba machine accounts); nothing that could be read as
// an ssh option or a shell word.
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

export function parseSshDestination(text: string): Result<SshDestination, SshDestinationError> {
  const input = text.trim();
  if (input === '') return err({ code: 'empty', message: 'Give the server as user@host or user@host:port.' });
  const at = input.lastIndexOf('@');
  const user = at >= 0 ? input.slice(0, at) : null;
  if (user !== null && !USER.test(user)) return err({ code: 'bad-user', message: `"${shown(user)}" is not a valid user name.` });
  const hostPart = at >= 0 ? input.slice(at + 1) : input;
  const bracketed = hostPart.startsWith('[');
  const hasPort = bracketed ? /\]:[^:]*$/.test(hostPart) : hostPart.split(':').length === 2;
  const target = parseTarget(hasPort ? hostPart : bracketed ? `${hostPart}:22` : hostPart.includes(':') ? `[${hostPart}]:22` : `${hostPart}:22`);
  if (!target.ok) return err({ code: 'bad-host', message: `Bad server "${shown(input)}": ${target.error.message}` });
  return ok({ user, host: target.value.host, port: target.value.port });
}

export function formatSshDestination(d: SshDestination): string {
  const host = d.host.includes(':') ? `[${d.host}]` : d.host;
  return `${d.user ? `${d.user}@` : ''}${host}${d.port === 22 ? '' : `:${d.port}`}`;
}

/** Two destinations are the same server when their keys are equal: the user, the host without case, the port. */
export function destinationKey(d: SshDestination): string {
  return `${d.user ?? ''}@${d.host.toLowerCase()}:${d.port}`;
}

/** A server and the jump hosts in front of it, in order; an error says which of them is wrong. */
export function parseSshChain(
  destination: string,
  jumps: readonly string[],
): Result<{ destination: SshDestination; jumps: SshDestination[] }, SshDestinationError & { which: 'destination' | 'jump' }> {
  const server = parseSshDestination(destination);
  if (!server.ok) return err({ ...server.error, which: 'destination' });
  const hops: SshDestination[] = [];
  for (const text of jumps) {
    const jump = parseSshDestination(text);
    if (!jump.ok) return err({ ...jump.error, which: 'jump' });
    hops.push(jump.value);
  }
  return ok({ destination: server.value, jumps: hops });
}
