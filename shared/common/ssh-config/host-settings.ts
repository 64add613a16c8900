import { err, ok, type Result } from '../result';
import { normaliseIpv6 } from '../net/address';
import type { AuthMethod } from '../schema/profile';
import { directiveValue, type ConfigDirective, type SshConfigDocument } from './config-document';
import { IGNORED_REASON, directiveUse, optionSlot, unsupportedReason } from './directive-kinds';
import { blocksApply } from './host-patterns';

/**
 * What ssh would use for one host name, turned into profile fields. Pure: the caller gives the
 * parsed document and the local user name (ssh's default User).
 */

/** How ssh is asked for a host: `ssh [-l user] [-p port] hostArg` (a ProxyJump element sets user and port). */
export interface HostRequest {
  hostArg: string;
  user: string | null;
  port: number | null;
}

/** The profile fields an ssh_config sets (the rest, groups, notes..., are the user's). */
export interface ImportedFields {
  host: string;
  port: number;
  user: string;
  auth: AuthMethod;
  keyPath: string | null;
  knownHostsFiles: string[];
}

/** A directive that applies to the host but is not (or not fully) carried into the profile. */
export interface DirectiveNote {
  directive: ConfigDirective;
  kind: 'unsupported' | 'ignored';
  reason: string;
}

export interface JumpSpec {
  user: string | null;
  host: string;
  port: number | null;
}

export interface HostSettings {
  fields: ImportedFields;
  /** The ProxyJump elements, in the order they are crossed, with the directive they come from. */
  jumps: { spec: JumpSpec; text: string; directive: ConfigDirective }[];
  notes: DirectiveNote[];
  /** Why this host cannot be a profile (empty: it can, as far as its own settings go). */
  problems: string[];
  /** No User applied: ssh would log in as the local user, and so does the profile. */
  usedLocalUser: boolean;
}

/** The directives that take effect for `host`, in reading order: ssh's first value wins, except for cumulative keywords. */
export function effectiveDirectives(doc: Pick<SshConfigDocument, 'directives'>, host: string): ConfigDirective[] {
  const taken = new Set<string>();
  const out: ConfigDirective[] = [];
  for (const d of doc.directives) {
    if (blocksApply(d.scopes, host) !== 'yes') continue;
    const slot = optionSlot(d.keyword);
    if (slot !== null) {
      if (taken.has(slot)) continue;
      taken.add(slot);
    }
    out.push(d);
  }
  return out;
}

/** `%x` tokens (ssh_config(5) TOKENS); a token not in `table` is an error, since ssh's value would differ. */
export function expandTokens(text: string, table: Readonly<Record<string, string | null>>): Result<string, string> {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const token = text[++i];
    if (token === '%') {
      out += '%';
      continue;
    }
    const value = token === undefined ? undefined : table[token];
    if (value === undefined || value === null) return err(token === undefined ? 'ends with a lone %' : `uses %${token}, which Portwise cannot fill in here`);
    out += value;
  }
  return ok(out);
}

/**
 * A file path as a profile keeps it: absolute, or under `~/` (kept as `~/`, so the profile follows
 * the user's home). ssh expands `~` first, then tokens, `%d` being the home directory.
 */
export function profilePath(text: string, tokens: Readonly<Record<string, string | null>>): Result<string, string> {
  if (text.includes('${')) return err(`"${text}" uses an environment variable, which Portwise does not expand`);
  if (/^~[^/]/.test(text)) return err(`"${text}" names another user's home directory`);
  const expanded = expandTokens(text, { ...tokens, d: '~' });
  if (!expanded.ok) return err(`"${text}" ${expanded.error}`);
  const path = expanded.value === '~' ? '~/' : expanded.value;
  if (!path.startsWith('/') && !path.startsWith('~/')) return err(`"${text}" is a relative path (ssh reads it from the folder it is started in); give a full path`);
  return ok(path);
}

/** `[user@]host[:port]`, `[v6]:port` or `ssh://...`, as ssh reads one ProxyJump element. */
export function parseJumpSpec(text: string): Result<JumpSpec, string> {
  let rest = text.trim();
  if (/^ssh:\/\//i.test(rest)) rest = rest.slice(6).replace(/\/$/, '');
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : null;
  rest = rest.slice(at + 1);
  if (user === '') return err(`"${text}" has an empty user name`);
  let host = rest;
  let portText: string | null = null;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    const after = close < 0 ? '' : rest.slice(close + 1);
    if (close < 0 || (after !== '' && !after.startsWith(':'))) return err(`"${text}" has a bracketed address that is not closed properly`);
    host = rest.slice(1, close);
    portText = after === '' ? null : after.slice(1);
  } else if (rest.split(':').length === 2) {
    [host = '', portText = ''] = rest.split(':');
  }
  if (host === '') return err(`"${text}" has no host`);
  if (portText === null) return ok({ user, host, port: null });
  const port = parsePort(portText);
  return port === null ? err(`"${text}" has a bad port "${portText}"`) : ok({ user, host, port });
}

export function formatJumpSpec(spec: JumpSpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.user === null ? '' : `${spec.user}@`}${host}${spec.port === null ? '' : `:${spec.port}`}`;
}

function parsePort(text: string): number | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/** ssh lower-cases a host name after HostName is applied, and writes addresses canonically. */
function canonicalHost(text: string): string {
  const bare = /^\[.*\]$/.test(text) ? text.slice(1, -1) : text;
  if (bare.includes(':')) return normaliseIpv6(bare) ?? bare;
  // Only what looks like a name: a bad value is shown as written when it is refused.
  return /^[a-z0-9_][a-z0-9_.-]*$/i.test(bare) ? bare.toLowerCase() : bare;
}

const DEFAULT_AUTH_ORDER = ['publickey', 'keyboard-interactive', 'password'];
const AGENT_DEFAULTS = new Set(['SSH_AUTH_SOCK', '$SSH_AUTH_SOCK']);

export function hostSettings(doc: Pick<SshConfigDocument, 'directives'>, request: HostRequest, localUser: string | null): HostSettings {
  const effective = effectiveDirectives(doc, request.hostArg);
  const first = (slot: string): ConfigDirective | undefined => effective.find((d) => optionSlot(d.keyword) === slot);
  const arg = (slot: string): string | undefined => first(slot)?.args[0];
  const notes: DirectiveNote[] = [];
  const problems: string[] = [];

  for (const d of effective) {
    const use = directiveUse(d.keyword);
    if (use === 'ignored') notes.push({ directive: d, kind: 'ignored', reason: IGNORED_REASON });
    // `ProxyCommand none` switches a proxy off (often to undo a wildcard): nothing is left behind.
    else if (use === 'unsupported' && !(d.keyword === 'proxycommand' && directiveValue(d) === 'none')) notes.push({ directive: d, kind: 'unsupported', reason: unsupportedReason(d.keyword) });
  }

  let host = request.hostArg;
  const hostName = arg('hostname');
  if (hostName !== undefined) {
    // HostName takes %h (the name ssh was given) and %% only.
    const expanded = expandTokens(hostName, { h: request.hostArg });
    if (expanded.ok) host = expanded.value;
    else problems.push(`HostName "${hostName}" ${expanded.error}`);
  }
  host = canonicalHost(host);

  const configUser = arg('user');
  const user = request.user ?? configUser ?? localUser;
  const usedLocalUser = request.user === null && configUser === undefined && localUser !== null;
  if (user === null) problems.push('it has no User, and the local user name is unknown');

  const portText = request.port !== null ? String(request.port) : arg('port');
  const port = portText === undefined ? 22 : parsePort(portText);
  if (port === null) problems.push(`Port "${portText}" is not a number from 1 to 65535`);

  // The tokens ssh fills in for IdentityFile and UserKnownHostsFile that a profile can know.
  const tokens = { u: localUser, h: host, r: user, n: request.hostArg, p: String(port ?? 22) };

  let keyPath: string | null = null;
  for (const d of effective.filter((e) => e.keyword === 'identityfile')) {
    const path = profilePath(directiveValue(d), tokens);
    if (!path.ok) notes.push({ directive: d, kind: 'unsupported', reason: `not used: ${path.error}` });
    else if (keyPath === null) keyPath = path.value;
    else notes.push({ directive: d, kind: 'unsupported', reason: `not used: a profile has one key, and the first IdentityFile (${keyPath}) is the one kept` });
  }

  const knownHostsFiles: string[] = [];
  for (const d of [first('userknownhostsfile'), first('globalknownhostsfile')]) {
    for (const file of d?.args ?? []) {
      if (d === undefined || file === 'none') continue;
      if (file === '/dev/null') {
        notes.push({ directive: d, kind: 'unsupported', reason: 'Portwise always checks host keys: an empty known-hosts file does not turn that off' });
        continue;
      }
      const path = profilePath(file, tokens);
      if (!path.ok) notes.push({ directive: d, kind: 'unsupported', reason: `not used: ${path.error}` });
      else if (knownHostsFiles.length >= 8) notes.push({ directive: d, kind: 'unsupported', reason: `not used: a profile keeps at most 8 known-hosts files (${path.value} is left out)` });
      else if (!knownHostsFiles.includes(path.value)) knownHostsFiles.push(path.value);
    }
  }

  const auth = chooseAuth(first, keyPath, notes);
  const jumps = proxyJumps(first('proxy'), problems);

  return {
    fields: { host, port: port ?? 22, user: user ?? '', auth, keyPath, knownHostsFiles },
    jumps,
    notes,
    problems,
    usedLocalUser,
  };
}

/**
 * One login method for the profile, from ssh's order (PreferredAuthentications) and what is
 * switched off: a key when there is one, else the agent, else the first interactive method.
 */
function chooseAuth(first: (slot: string) => ConfigDirective | undefined, keyPath: string | null, notes: DirectiveNote[]): AuthMethod {
  const value = (slot: string): string | undefined => first(slot)?.args[0]?.toLowerCase();
  const agentDirective = first('identityagent');
  const agentSocket = agentDirective?.args[0];
  if (agentDirective && agentSocket !== undefined && agentSocket.toLowerCase() !== 'none' && !AGENT_DEFAULTS.has(agentSocket)) {
    notes.push({ directive: agentDirective, kind: 'unsupported', reason: 'Portwise uses the agent at $SSH_AUTH_SOCK, not this socket' });
  }
  const identitiesOnly = first('identitiesonly');
  const agentUsable = agentSocket?.toLowerCase() !== 'none' && value('identitiesonly') !== 'yes';
  const allowed = (slot: string): boolean => value(slot) !== 'no';
  const preferred = first('preferredauthentications');
  const order = preferred ? (preferred.args[0] ?? '').split(',').map((m) => m.trim().toLowerCase()) : DEFAULT_AUTH_ORDER;

  let auth: AuthMethod | null = null;
  for (const method of order) {
    if (method === 'publickey' && allowed('pubkeyauthentication')) auth = keyPath !== null ? 'key' : agentUsable ? 'agent' : null;
    else if (method === 'keyboard-interactive' && allowed('kbdinteractiveauthentication')) auth = 'keyboard-interactive';
    else if (method === 'password' && allowed('passwordauthentication')) auth = 'password';
    if (auth !== null) break;
  }
  if (auth === null) {
    auth = keyPath !== null ? 'key' : 'agent';
    if (preferred) notes.push({ directive: preferred, kind: 'unsupported', reason: `none of these login methods is one the profile can use; it uses ${auth === 'key' ? 'the key' : 'the agent'}` });
  }
  if (keyPath === null && !agentUsable && allowed('pubkeyauthentication')) {
    // ssh would still offer its default key files (~/.ssh/id_*); a profile names its key.
    const why = agentDirective && agentSocket?.toLowerCase() === 'none' ? agentDirective : identitiesOnly;
    if (why) notes.push({ directive: why, kind: 'unsupported', reason: `ssh would offer its default key files (~/.ssh/id_*); the profile uses ${auth} instead: set its key path if you log in with a key` });
  }
  return auth;
}

function proxyJumps(proxy: ConfigDirective | undefined, problems: string[]): HostSettings['jumps'] {
  if (proxy?.keyword !== 'proxyjump') return [];
  const value = directiveValue(proxy);
  if (value.toLowerCase() === 'none') return [];
  const jumps: HostSettings['jumps'] = [];
  for (const text of value.split(',').map((t) => t.trim())) {
    const spec = parseJumpSpec(text);
    if (spec.ok) jumps.push({ spec: spec.value, text, directive: proxy });
    else problems.push(`ProxyJump ${spec.error}`);
  }
  return jumps;
}
