import os from 'node:os';
import { CAPABILITY_PROBE, parseCapabilities, type Capabilities } from '../../common/parsers/capabilities';
import { formatSshDestination, type SshDestination } from '../../common/schema/ssh-destination';
import { ownKnownHostsFile, userKnownHostsFiles } from '../paths';
import { connectChain, type ConnectChainOptions, type HopSpec, type SshChain } from '../ssh/connect';
import type { PromptPort } from '../ssh/prompt';
import type { HostKeyPolicy } from '../ssh/host-verifier';
import { RemoteRunner, defaultRunnerOptions, type CommandObserver } from './runner';
import { sshTransport } from './ssh-transport';

export interface SshAccess {
  destination: SshDestination;
  jumps: readonly SshDestination[];
  identityFiles: readonly string[];
  knownHostsFiles: readonly string[];
  /** Unknown host keys: ask a person (the wizard), accept and pin them, or refuse (the CLI's default). */
  hostKeyPolicy: HostKeyPolicy;
  sudo: boolean;
}

export interface RemoteSession {
  server: string;
  chain: SshChain;
  runner: RemoteRunner;
  capabilities: Capabilities;
  /** The capability probe as it ran, for the report. */
  probeOutput: string;
  close(): Promise<void>;
}

/** Live progress of a login and its commands (the capability probe included). */
export interface RemoteProgress {
  onHop?: ConnectChainOptions['onHop'];
  observer?: CommandObserver;
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
export async function openRemote(access: SshAccess, prompt: PromptPort, env: NodeJS.ProcessEnv, signal?: AbortSignal, progress: RemoteProgress = {}): Promise<RemoteSession> {
  const defaultUser = env.USER ?? env.USERNAME ?? os.userInfo().username;
  const hop = (d: SshDestination): HopSpec => ({
    host: d.host,
    port: d.port,
    user: d.user ?? defaultUser,
    identityFiles: [...access.identityFiles],
    agent: true,
    password: true,
    keyboardInteractive: true,
  });
  const chain = await connectChain({
    hops: [...access.jumps.map(hop), hop(access.destination)],
    prompt,
    env,
    ...(signal ? { signal } : {}),
    hostKeyPolicy: access.hostKeyPolicy,
    knownHostsFiles: [...userKnownHostsFiles(env), ...access.knownHostsFiles],
    ownKnownHostsFile: ownKnownHostsFile(env),
    ...(progress.onHop ? { onHop: progress.onHop } : {}),
  });
  const server = formatSshDestination({ ...access.destination, user: access.destination.user ?? defaultUser });
  const transport = sshTransport(chain.client, server);
  try {
    const observed = progress.observer ? { observer: progress.observer } : {};
    const probeRunner = new RemoteRunner(transport, { ...defaultRunnerOptions, ...observed, ...(signal ? { signal } : {}) });
    const probe = await probeRunner.run({ id: 'capabilities', command: { text: CAPABILITY_PROBE }, wantsRoot: false });
    const capabilities = parseCapabilities(probe.result.stdout);
    if (!capabilities.ok) throw new CapabilityProbeError(`${server}: ${capabilities.error.message}`);
    const runner = new RemoteRunner(transport, {
      ...defaultRunnerOptions,
      sudo: access.sudo && capabilities.value.sudo,
      serverTimeout: capabilities.value.tools.has('timeout'),
      ...observed,
      ...(signal ? { signal } : {}),
    });
    return { server, chain, runner, capabilities: capabilities.value, probeOutput: probe.result.stdout, close: () => chain.close() };
  } catch (error) {
    await chain.close();
    throw error;
  }
}
