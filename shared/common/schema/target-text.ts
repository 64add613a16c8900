import { err, ok, type Result } from '../result';
import { isIpv4, normaliseIpv6 } from '../net/address';
import type { Target } from './target';

/**
 * What the user types: `host:port`, `[v6]:port`, or a URL with a port (or a scheme whose port is
 * well known). The CLI and the wizard both validate through `parseTarget`, so both refuse the same
 * input with the same sentence. No zod here: the wizard's first screen checks its target field with
 * this before zod is loaded (the `Target` schema is in target.ts).
 */

export type TargetError = { code: TargetErrorCode; message: string };
export type TargetErrorCode =
  | 'empty'
  | 'too-long'
  | 'missing-port'
  | 'bad-port'
  | 'port-out-of-range'
  | 'unbracketed-ipv6'
  | 'bad-ipv6'
  | 'bad-ipv4'
  | 'bad-hostname'
  | 'bad-url';

const MAX_INPUT = 2048;

/** Ports for URL schemes a support engineer is likely to paste. */
const schemePorts: Readonly<Record<string, number>> = {
  http: 80,
  https: 443,
  ws: 80,
  wss: 443,
  ftp: 21,
  ssh: 22,
  postgres: 5432,
  postgresql: 5432,
  mysql: 3306,
  mariadb: 3306,
  redis: 6379,
  rediss: 6379,
  mongodb: 27017,
  amqp: 5672,
  amqps: 5671,
  ldap: 389,
  ldaps: 636,
  smtp: 25,
  imap: 143,
  imaps: 993,
  telnet: 23,
};

const fail = (code: TargetErrorCode, message: string): Result<never, TargetError> => err({ code, message });

const SHOWN_MAX = 60;

/**
 * A piece of user input as it may appear in a message: one line, no control or bidi characters
 * (they are written as escapes), and cut when long. The CLI prints these to a terminal.
 */
export function shown(text: string, max = SHOWN_MAX): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function parseTarget(input: string): Result<Target, TargetError> {
  if (input.length > MAX_INPUT) return fail('too-long', `The target is ${input.length} characters long; at most ${MAX_INPUT} are accepted.`);
  const text = input.trim();
  if (text === '') return fail('empty', 'Enter a target as host:port, for example db.example.com:5432.');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return parseUrlTarget(text);
  return parseHostPort(text);
}

function parseUrlTarget(text: string): Result<Target, TargetError> {
  const scheme = text.slice(0, text.indexOf(':')).toLowerCase();
  // Credentials in a pasted URL are dropped here, before anything is stored or shown.
  const rest = text.slice(scheme.length + 3);
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  if (hostPort === '') return fail('bad-url', `The URL "${shown(text)}" has no host.`);
  const hasPort = /^\[[^\]]*\]:/.test(hostPort) || (!hostPort.startsWith('[') && hostPort.includes(':'));
  if (hasPort) return parseHostPort(hostPort);
  const port = schemePorts[scheme];
  if (port === undefined) return fail('missing-port', `The URL has no port and "${shown(scheme)}://" has no well-known one: add it, as in ${shown(scheme)}://${shown(hostPort)}:PORT.`);
  return parseHostPort(`${hostPort}:${port}`);
}

function parseHostPort(text: string): Result<Target, TargetError> {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return fail('bad-ipv6', `The IPv6 address in "${shown(text)}" has no closing bracket.`);
    const literal = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after === '') return fail('missing-port', `Add a port after the address, as in [${shown(literal)}]:5432.`);
    if (!after.startsWith(':')) return fail('bad-port', `Expected ":port" after [${shown(literal)}], found "${shown(after)}".`);
    const port = parsePort(after.slice(1));
    if (!port.ok) return port;
    const v6 = normaliseIpv6(literal);
    if (v6 === null) return fail('bad-ipv6', `"${shown(literal)}" is not a valid IPv6 address.`);
    return ok({ host: v6, port: port.value, hostKind: 'ipv6' });
  }
  const colons = text.split(':').length - 1;
  if (colons === 0) return fail('missing-port', `Add a port, as in ${shown(text)}:5432.`);
  if (colons > 1) {
    const lastColon = text.lastIndexOf(':');
    const maybeAddress = text.slice(0, lastColon);
    const hint = normaliseIpv6(maybeAddress) !== null ? `[${shown(maybeAddress)}]:${shown(text.slice(lastColon + 1))}` : `[${shown(text)}]:PORT`;
    return fail('unbracketed-ipv6', `An IPv6 address must be written in brackets with the port after them, as in ${hint}.`);
  }
  const colon = text.indexOf(':');
  const host = text.slice(0, colon);
  if (host === '') return fail('empty', `The host is empty in "${shown(text)}".`);
  const port = parsePort(text.slice(colon + 1));
  if (!port.ok) return port;
  if (/^[0-9.]+$/.test(host)) {
    if (!isIpv4(host)) return fail('bad-ipv4', `"${shown(host)}" is not a valid IPv4 address.`);
    return ok({ host, port: port.value, hostKind: 'ipv4' });
  }
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!isHostname(name)) {
    return fail('bad-hostname', `"${shown(host)}" is not a valid host name: use letters, digits, hyphens and dots (labels of at most 63 characters).`);
  }
  return ok({ host: name, port: port.value, hostKind: 'name' });
}

function parsePort(text: string): Result<number, TargetError> {
  if (text === '') return fail('missing-port', 'The port is empty: add a number from 1 to 65535.');
  if (!/^[0-9]+$/.test(text)) return fail('bad-port', `"${shown(text)}" is not a port number: use a number from 1 to 65535.`);
  const port = Number(text);
  if (port < 1 || port > 65535) return fail('port-out-of-range', `Port ${shown(text)} is out of range: use a number from 1 to 65535.`);
  return ok(port);
}

function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  // Underscores appear in real internal names (SRV-style, Windows hosts), so they are tolerated.
  return name.split('.').every((label) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label));
}

/** `host:port` as a user would type it back (IPv6 in brackets). */
export function formatTarget(target: Pick<Target, 'host' | 'port' | 'hostKind'>): string {
  return target.hostKind === 'ipv6' ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

export function formatAddressPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
