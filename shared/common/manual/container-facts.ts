import type { DockerInspectContainer, DockerPortEntry, DockerPsContainer } from '../parsers/docker';
import type { ContainerFact } from '../tree/remote-facts';

/**
 * Containers as evidence, from `docker ps -a` and, where read, `docker inspect`. One builder for
 * both ways in (the SSH collector and a pasted listing), so both give the same facts.
 */

/** At most this many containers are inspected (one command line; a busy host can have hundreds). */
export const MAX_INSPECTED = 20;

/**
 * The containers worth a `docker inspect`: those whose ports mention the target port (published
 * or only exposed), and those that are not running as they should (restarting, exited, dead),
 * which is where OOMKilled and RestartCount explain a refusal (catalog D1, B2, B3).
 */
export function containersToInspect(ps: readonly DockerPsContainer[], port: number): DockerPsContainer[] {
  const covers = (r: readonly [number, number] | null) => r !== null && r[0] <= port && port <= r[1];
  return ps
    .filter((c) => c.portMappings.some((m) => covers(m.hostPort) || covers(m.containerPort)) || c.state === 'restarting' || c.state === 'exited' || c.state === 'dead')
    .slice(0, MAX_INSPECTED);
}

/** One fact per listed container; inspect data (matched by ID) adds OOMKilled, RestartCount and the exit code. */
export function containerFacts(ps: readonly DockerPsContainer[], inspected: readonly DockerInspectContainer[] = []): ContainerFact[] {
  return ps.map((c) => {
    const i = inspected.find((x) => x.id.startsWith(c.id) || c.id.startsWith(x.id));
    return {
      id: c.id,
      name: c.names[0] ?? c.id.slice(0, 12),
      image: c.image,
      state: i?.state.status ?? c.state,
      status: c.status,
      exitCode: i && i.state.status !== 'running' && i.state.exitCode !== null ? i.state.exitCode : c.exitCode,
      oomKilled: i?.state.oomKilled ?? null,
      restartCount: i?.restartCount ?? null,
      ports: c.portMappings.map((m) => ({ hostIp: m.hostIp, hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol })),
    };
  });
}

/**
 * Facts from `docker inspect` alone (pasted without `docker ps`). Ports: what is published now
 * (NetworkSettings.Ports); for a container that is not running, what was asked for with -p
 * (HostConfig.PortBindings), where an empty HostIp means every address.
 */
export function containerFactsFromInspect(inspected: readonly DockerInspectContainer[]): ContainerFact[] {
  return inspected.map((i) => {
    const running = i.state.status === 'running';
    const entries = running || i.portBindings.length === 0 ? i.ports : i.portBindings;
    return {
      id: i.id,
      name: i.name,
      image: i.image ?? '',
      state: i.state.status,
      status: i.state.status === null ? '' : `${i.state.status}${!running && i.state.exitCode !== null ? ` (${i.state.exitCode})` : ''}`,
      exitCode: running ? null : i.state.exitCode,
      oomKilled: i.state.oomKilled,
      restartCount: i.restartCount,
      ports: entries.flatMap(portFacts),
    };
  });
}

function portFacts(e: DockerPortEntry): ContainerFact['ports'] {
  const containerPort: [number, number] = [e.containerPort, e.containerPort];
  if (e.bindings === null || e.bindings.length === 0) return [{ hostIp: null, hostPort: null, containerPort, protocol: e.protocol }];
  return e.bindings.map((b) => ({
    hostIp: b.hostIp === '' ? '0.0.0.0' : b.hostIp,
    hostPort: b.hostPort === null ? null : ([b.hostPort, b.hostPort] as [number, number]),
    containerPort,
    protocol: e.protocol,
  }));
}

/** "8 containers; web publishes 8080; crashloop restarting" for a report line. */
export function describeContainers(facts: readonly ContainerFact[], port: number): string {
  const covers = (r: readonly [number, number] | null) => r !== null && r[0] <= port && port <= r[1];
  const onPort = facts.filter((c) => c.ports.some((p) => covers(p.hostPort) || covers(p.containerPort))).map((c) => `${c.name} (${c.state ?? c.status})`);
  const down = facts.filter((c) => c.state === 'restarting' || c.state === 'exited' || c.state === 'dead').map((c) => `${c.name} ${c.state}${c.oomKilled ? ', OOM-killed' : ''}`);
  return [
    `${facts.length} container${facts.length === 1 ? '' : 's'}`,
    onPort.length > 0 ? `port ${port}: ${onPort.join(', ')}` : `none publishes or exposes port ${port}`,
    down.length > 0 ? `not running: ${down.join(', ')}` : '',
  ]
    .filter((p) => p !== '')
    .join('; ');
}
