import type { OutputDigest } from '../output-digest';
import os from 'node:os';
import { CAPABILITY_PROBE, parseCapabilities, type Capabilities } from '../../common/parsers/capabilities';
import type { AuthMethod } from '../../common/schema/profile';
import { formatSshDestination, type SshDestination } from '../../common/schema/ssh-destination';
import { openSshKnownHostsFile, ownKnownHostsFile, userKnownHostsFiles } from '../paths';
import { readSettings } from '../store/settings-store';
import { connectChain, type ConnectChainOptions, type HopSpec, type SshChain } from '../ssh/connect';
import type { PromptPort } from '../ssh/prompt';
import type { HostKeyPolicy } from '../ssh/host-verifier';
import { RemoteRunner, defaultRunnerOptions, type CommandObserver } from './runner';
import { defaultShellPool, shellTransport } from './shell-transport';

export interface SshAccess {
  destination: SshDestination;
  jumps: readonly SshDestination[];
  identityFiles: readonly string[];
  knownHostsFiles: readonly string[];
  /** Unknown host keys: ask a person (the wizard), accept and pin them, or refuse (the CLI's default). */
  hostKeyPolicy: HostKeyPolicy;
  sudo: boolean;
  /**
   * Each hop's own login (a profile chain), aligned with [...jumps, destination]. When set, a hop
   * offers only its own method and key: `identityFiles` above are not used. Absent: every hop may
   * use the agent, `identityFiles`, a password and keyboard-interactive (the CLI's --ssh/--jump).
   */
  hops?: readonly HopAuth[];
}

/** How one hop logs in, from its profile. */
export interface HopAuth {
  method: AuthMethod;
  /** The hop's private key (an absolute path): offered for `key`, and after the agent's keys for `agent`. */
  keyPath: string | null;
}

/**
 * A profile's method as the hop's auth handler settings. Only the chosen method is offered: a
 * profile that says "key" does not also try the agent's keys (a server's MaxAuthTries counts them),
 * and one that says "password" is not asked a passphrase.
 */
export function hopAuthSpec(auth: HopAuth): Pick<HopSpec, 'identityFiles' | 'agent' | 'password' | 'keyboardInteractive'> {
  const key = auth.keyPath === null ? [] : [auth.keyPath];
  switch (auth.method) {
    case 'agent':
      return { agent: true, identityFiles: key, password: false, keyboardInteractive: false };
    case 'key':
      return { agent: false, identityFiles: key, password: false, keyboardInteractive: false };
    case 'password':
      return { agent: false, identityFiles: [], password: true, keyboardInteractive: false };
    case 'keyboard-interactive':
      return { agent: false, identityFiles: [], password: false, keyboardInteractive: true };
  }
}

export interface RemoteSession {
  server: string;
  chain: SshChain;
  runner: RemoteRunner;
  capabilities: Capabilities;
  /** The capability probe as it ran, for the report. */
  probeOutput: string;
  /** The digest of the probe's whole output (null: its wrapper never ran). */
  probeDigest: OutputDigest | null;
  close(): Promise<void>;
}

/** Live progress of a login and its commands (the capability probe included). */
export interface RemoteProgress {
  onHop?: ConnectChainOptions['onHop'];
  observer?: CommandObserver;
}

export interface OpenRemoteOptions extends RemoteProgress {
  /** A connection already open to the destination's SSH port: the login goes over it (without jump hosts) while it is open. */
  destinationSocket?: NonNullable<ConnectChainOptions['firstHopSocket']>;
}

/** The user a hop without one logs in as, like ssh: the environment's, else this process's. */
export function defaultSshUser(env: NodeJS.ProcessEnv): string {
  return env.USER ?? env.USERNAME ?? os.userInfo().username;
}

/** Thrown when the server answers SSH but the capability probe cannot be read (a non-POSIX shell). */
export class CapabilityProbeError extends Error {
  override readonly name = 'CapabilityProbeError';
}

/**
 * Logs in (through the jump chain) and runs the capability probe, which decides the commands and
 * whether `sudo -n` may be used. Host keys: unknown ones are refused unless the user accepted new
 * keys; changed ones always are (SshError, before any credential is sent).
 */
export async function openRemote(access: SshAccess, prompt: PromptPort, env: NodeJS.ProcessEnv, signal?: AbortSignal, options: OpenRemoteOptions = {}): Promise<RemoteSession> {
  const defaultUser = defaultSshUser(env);
  const destinations = [...access.jumps, access.destination];
  if (access.hops !== undefined && access.hops.length !== destinations.length) {
    throw new Error(`openRemote: ${access.hops.length} hop logins for ${destinations.length} hops`);
  }
  const hop = (d: SshDestination, i: number): HopSpec => {
    const own = access.hops?.[i];
    return {
      host: d.host,
      port: d.port,
      user: d.user ?? defaultUser,
      ...(own ? hopAuthSpec(own) : { identityFiles: [...access.identityFiles], agent: true, password: true, keyboardInteractive: true }),
    };
  };
  // The person's choice (the app's Known hosts screen): may OpenSSH's own file learn the keys trusted here too?
  const { settings } = await readSettings(env);
  const chain = await connectChain({
    hops: destinations.map(hop),
    prompt,
    env,
    ...(signal ? { signal } : {}),
    hostKeyPolicy: access.hostKeyPolicy,
    knownHostsFiles: [...userKnownHostsFiles(env), ...access.knownHostsFiles],
    ownKnownHostsFile: ownKnownHostsFile(env),
    alsoWriteKnownHostsTo: settings.knownHostsWrites === 'portwise-and-openssh' ? openSshKnownHostsFile(env) : null,
    ...(options.onHop ? { onHop: options.onHop } : {}),
    // The first hop is the destination only without jump hosts.
    ...(options.destinationSocket && access.jumps.length === 0 ? { firstHopSocket: options.destinationSocket } : {}),
  });
  const server = formatSshDestination({ ...access.destination, user: access.destination.user ?? defaultUser });
  // Shells kept open for the whole session: the login shell and its rc files start once per shell, not per command.
  const transport = shellTransport(chain.client, server);
  const close = async () => {
    transport.close();
    await chain.close();
  };
  try {
    const observed = options.observer ? { observer: options.observer } : {};
    const probeRunner = new RemoteRunner(transport, { ...defaultRunnerOptions, onLostConnection: 'throw', ...observed, ...(signal ? { signal } : {}) });
    const probe = await probeRunner.run({ id: 'capabilities', command: { text: CAPABILITY_PROBE }, wantsRoot: false });
    const capabilities = parseCapabilities(probe.result.stdout);
    if (!capabilities.ok) throw new CapabilityProbeError(`${server}: ${capabilities.error.message}`);
    const runner = new RemoteRunner(transport, {
      ...defaultRunnerOptions,
      // As many commands at once as the transport has shells for (its pool opens more than one only where shells are cheap).
      concurrency: defaultShellPool.maxShells,
      sudo: access.sudo && capabilities.value.sudo,
      serverTimeout: capabilities.value.tools.has('timeout'),
      ...observed,
      ...(signal ? { signal } : {}),
    });
    return { server, chain, runner, capabilities: capabilities.value, probeOutput: probe.result.stdout, probeDigest: probe.digest, close };
  } catch (error) {
    await close();
    throw error;
  }
}
