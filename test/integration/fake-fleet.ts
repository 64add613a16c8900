import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CapabilityGate, fakeFleetServer, fleetWide, type FakeFleetServer, type FleetBehaviour } from '../shared/fleet-ssh-server';
import { closedPort, waitFor } from './loopback';

export interface FakeFleet {
  /** A home folder for the CLI runs, removed after the file's tests. */
  home: string;
  /** The port every server is asked about: nothing listens on it here, so every probe from here is refused. */
  port: number;
  /** In the order of `behaviours`, on 127.0.0.2, 127.0.0.3, ... */
  servers: FakeFleetServer[];
}

/**
 * One test file's fake fleet on loopback (test/shared/fleet-ssh-server.ts): the servers start before
 * its tests and close after them. After each test the gate opens, every connection of that test must
 * close, and the counters start again from zero. `ready` is given the fleet once it is up.
 */
export function useFakeFleet(prefix: string, behaviours: readonly FleetBehaviour[], ready: (fleet: FakeFleet) => void): CapabilityGate {
  const gate = new CapabilityGate();
  let fleet: FakeFleet | null = null;
  beforeAll(async () => {
    const home = await mkdtemp(join(tmpdir(), prefix));
    const port = await closedPort('127.0.0.1');
    const servers = await Promise.all(behaviours.map((behaviour, i) => fakeFleetServer({ address: `127.0.0.${i + 2}`, behaviour, port: () => port, gate })));
    fleet = { home, port, servers };
    ready(fleet);
  });
  afterAll(async () => {
    gate.open();
    await Promise.all((fleet?.servers ?? []).map((s) => s.close()));
    if (fleet) await rm(fleet.home, { recursive: true, force: true });
  });
  afterEach(async () => {
    gate.open();
    await waitFor(() => fleetWide.open === 0, 10_000, 'every connection of the last test to close');
    fleetWide.max = 0;
    for (const s of fleet?.servers ?? []) s.connections = 0;
  });
  return gate;
}

/** `user@address:port` of a fake server, as --ssh takes it. */
export const fakeDestination = (user: string, server: FakeFleetServer): string => `${user}@${server.address}:${server.sshPort}`;

/**
 * The CLI's io for one run, in a folder of its own under `home` (its cwd, HOME and PORTWISE_HOME, so
 * the history and any --report file land there); no agent, no terminal. Ctrl-C is `interrupts`.
 */
export async function fleetIo(home: string, argv: string[]) {
  const dir = await mkdtemp(join(home, 'run-'));
  const out: string[] = [];
  const err: string[] = [];
  const interrupts: (() => void)[] = [];
  const env: NodeJS.ProcessEnv = { HOME: dir, PORTWISE_HOME: join(dir, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  return {
    dir,
    io: { argv, env, cwd: dir, stdout: { write: (s: string) => out.push(s), isTTY: false }, stderr: { write: (s: string) => err.push(s), isTTY: false }, onInterrupt: (h: () => void) => interrupts.push(h) },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupts,
    /** The reports saved to this run's history. */
    saved: async () => (await readdir(join(dir, 'portwise', 'history')).catch(() => [] as string[])).filter((f) => f.endsWith('.json')),
    /** A file this run wrote, by its name in the run's folder. */
    read: (name: string) => readFileSync(join(dir, name), 'utf8'),
  };
}
