import type { ConnectionTest, HopTest } from '../../common/schema/connection-test';
import type { HopLabel } from '../../common/schema/prompts';
import { isSshError, type SshError } from '../ssh/errors';
import type { PromptPort } from '../ssh/prompt';
import { hopLabels } from '../ssh/connect';
import { CapabilityProbeError, defaultSshUser, openRemote, type SshAccess } from './access';

/**
 * Logs in as a diagnosis would, runs the capability probe, and logs out, reporting hop by hop. Nothing
 * is asked: unknown host keys are refused (and reported with their key), and a login that needs a
 * password or a passphrase nobody saved is stopped there and said to need it.
 */
export interface TestConnectionOptions {
  /** Wraps the silent prompt port: the app answers from saved secrets (remote/saved-secrets.ts). */
  wrapPrompt?: (silent: PromptPort) => PromptPort;
  signal?: AbortSignal;
}

export async function testConnection(access: SshAccess, env: NodeJS.ProcessEnv, options: TestConnectionOptions = {}): Promise<ConnectionTest> {
  const started = Date.now();
  const asked: string[] = [];
  // Why a saved secret did not do (refused, unreadable): said after what the login needs.
  const savedProblems: string[] = [];
  const silent: PromptPort = {
    confirmHostKey: async () => false,
    passphrase: async (q) => (asked.push(`the passphrase of ${q.keyPath}`), q.saved && savedProblems.push(q.saved.message), null),
    password: async (q) => (asked.push('a password'), q.saved && savedProblems.push(q.saved.message), null),
    keyboardInteractive: async (q) => (asked.push(q.prompts.map((p) => p.prompt.trim()).join(', ') || 'keyboard-interactive answers'), null),
  };
  // The same labels connectChain gives the hops, so a failure's hop index lines up with them.
  const labels = hopLabels([...access.jumps, access.destination].map((d) => ({ host: d.host, port: d.port, user: d.user ?? defaultSshUser(env) })));
  const ms = () => Date.now() - started;
  // Hops that logged in: a failure after the whole chain did (a command that cannot start) is not a login failure.
  const loggedIn = new Set<number>();
  try {
    const onHop = (label: HopLabel, state: 'connecting' | 'connected' | 'failed') => {
      if (state === 'connected') loggedIn.add(label.index);
    };
    const session = await openRemote({ ...access, hostKeyPolicy: 'refuse' }, options.wrapPrompt?.(silent) ?? silent, env, options.signal, { onHop });
    try {
      const caps = session.capabilities;
      const hops = session.chain.hops.map(
        (h): HopTest => ({
          hop: h.label,
          tcp: 'ok',
          hostKey: { status: h.hostKey.status, keyType: h.hostKey.keyType, fingerprint: h.hostKey.fingerprint, key: null },
          login: 'ok',
          detail: 'Logged in.',
        }),
      );
      const os = caps.osId ? `${caps.osId}${caps.osVersion ? ` ${caps.osVersion}` : ''}` : `${caps.kernel} ${caps.kernelRelease}`.trim() || null;
      return { ok: true, ms: ms(), hops, server: { os, uid: caps.uid, user: caps.user, sudo: caps.sudo, systemd: caps.systemd, tools: [...caps.tools].sort() }, message: null };
    } finally {
      await session.close();
    }
  } catch (error) {
    const allLoggedIn = labels.every((hop) => loggedIn.has(hop.index));
    if (error instanceof CapabilityProbeError || (isSshError(error) && allLoggedIn)) {
      const hops = labels.map((hop): HopTest => ({ hop, tcp: 'ok', hostKey: { status: 'checked', keyType: null, fingerprint: null, key: null }, login: 'ok', detail: 'Logged in.' }));
      const why = error instanceof CapabilityProbeError ? 'could not be read' : 'could not run';
      return { ok: false, ms: ms(), hops, server: null, message: `Logged in, but the capability probe ${why}: ${error.message}` };
    }
    if (!isSshError(error)) throw error;
    return { ok: false, ms: ms(), hops: labels.map((hop) => hopAfterFailure(hop, error, asked, savedProblems)), server: null, message: error.message };
  }
}

/** Where one hop got to, given the error the chain stopped with (at `error.hop`). */
function hopAfterFailure(hop: HopLabel, error: SshError, asked: readonly string[], savedProblems: readonly string[]): HopTest {
  const none = { status: 'not-checked' as const, keyType: null, fingerprint: null, key: null };
  if (hop.index < error.hop.index) return { hop, tcp: 'ok', hostKey: { ...none, status: 'checked' }, login: 'ok', detail: 'Logged in.' };
  if (hop.index > error.hop.index) return { hop, tcp: 'not-tried', hostKey: none, login: 'not-tried', detail: 'Not reached.' };
  const presented = { keyType: error.presented?.keyType ?? null, fingerprint: error.presented?.fingerprint ?? null, key: error.presented?.key ?? null };
  switch (error.kind) {
    case 'connect-failed':
    case 'timeout':
      return { hop, tcp: 'failed', hostKey: none, login: 'not-tried', detail: error.summary };
    case 'host-key-unknown':
    case 'host-key-rejected':
      return { hop, tcp: 'ok', hostKey: { status: 'unknown', ...presented }, login: 'not-tried', detail: 'The host key is not trusted yet: compare its fingerprint with the server, then trust it.' };
    case 'host-key-changed':
      return { hop, tcp: 'ok', hostKey: { status: 'changed', ...presented, key: null }, login: 'not-tried', detail: error.summary };
    case 'host-key-revoked':
      return { hop, tcp: 'ok', hostKey: { status: 'revoked', ...presented, key: null }, login: 'not-tried', detail: error.summary };
    case 'cancelled':
      return {
        hop,
        tcp: 'ok',
        hostKey: { ...none, status: 'checked' },
        login: 'needs-secret',
        detail: [`The login needs ${asked.length > 0 ? asked.join(' and ') : 'an answer from you'}: it is asked when a diagnosis runs (a test asks nothing).`, ...savedProblems].join(' '),
      };
    case 'auth-failed':
    case 'key-unreadable':
      return { hop, tcp: 'ok', hostKey: { ...none, status: 'checked' }, login: 'failed', detail: error.summary };
    default:
      return { hop, tcp: 'ok', hostKey: none, login: 'not-tried', detail: error.summary };
  }
}
