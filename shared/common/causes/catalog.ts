/**
 * Every cause the diagnosis can name: the 40 of refused-catalog.md §1 by their catalog ids, plus the
 * leaves the catalog lacks (DESIGN.md "The diagnosis engine"). Titles here are what a candidate list
 * shows; full explanations and remediation live in `definitions.ts`.
 */
export const causeIndex = [
  { id: 'port-mismatch', ref: 'A1', layer: 'configuration', title: 'The client and the service use different ports' },
  { id: 'dns-wrong-target', ref: 'A2', layer: 'name resolution', title: 'The name points at the wrong machine' },
  { id: 'localhost-resolution-mismatch', ref: 'A3', layer: 'name resolution', title: '"localhost" resolves to the other loopback family' },
  { id: 'aaaa-without-ipv6-listener', ref: 'A4', layer: 'dual stack', title: 'The name has an IPv6 address but the service listens on IPv4 only' },
  { id: 'v6only-listener-ipv4-refused', ref: 'A5', layer: 'socket option', title: 'The service listens on IPv6 only (v6only), so IPv4 is refused' },
  { id: 'client-local-block', ref: 'A6', layer: 'workstation', title: 'Something on this computer rejects the connection' },
  { id: 'proxy-refusal', ref: 'A7', layer: 'proxy', title: 'The refusal comes from or through a proxy' },
  { id: 'ssh-tunnel-down', ref: 'A8', layer: 'tunnel', title: 'The SSH tunnel or port-forward is down' },
  { id: 'middlebox-rst', ref: 'A9', layer: 'network', title: 'A device on the network path rejects the connection' },
  { id: 'nat-hairpin-or-port-forward-missing', ref: 'A10', layer: 'edge NAT', title: 'Port-forward or NAT loopback missing at the edge router' },
  { id: 'service-not-running', ref: 'B1', layer: 'service lifecycle', title: 'Nothing is listening: the service is not running' },
  { id: 'service-crash-loop', ref: 'B2', layer: 'service lifecycle', title: 'The service keeps crashing and restarting' },
  { id: 'service-oom-killed', ref: 'B3', layer: 'resources', title: 'The service was killed for lack of memory' },
  { id: 'service-starting-up', ref: 'B4', layer: 'service lifecycle', title: 'The service is still starting up' },
  { id: 'bind-loopback-only', ref: 'B5', layer: 'listener address', title: 'The service listens on loopback only' },
  { id: 'bind-wrong-interface-ip', ref: 'B6', layer: 'listener address', title: 'The service listens on a different address' },
  { id: 'bind-address-unavailable', ref: 'B7', layer: 'startup ordering', title: 'The service could not bind its configured address' },
  { id: 'port-in-use-conflict', ref: 'B8', layer: 'listener ownership', title: 'Another program holds the port' },
  { id: 'privileged-port-denied', ref: 'B9', layer: 'OS privilege', title: 'The service may not bind a port below 1024' },
  { id: 'mac-policy-bind-denied', ref: 'B10', layer: 'mandatory access control', title: 'SELinux or AppArmor denied the bind' },
  { id: 'tcp-disabled-unix-socket-only', ref: 'B11', layer: 'service configuration', title: 'The service listens on a Unix socket only' },
  { id: 'socket-unit-failed', ref: 'B12', layer: 'socket activation', title: 'The systemd socket unit failed' },
  { id: 'restart-reload-gap', ref: 'B13', layer: 'service lifecycle', title: 'Refusals during restarts or reloads' },
  { id: 'accept-queue-overflow', ref: 'B14', layer: 'kernel queues', title: 'The accept queue overflows under load' },
  { id: 'other-netns-listener', ref: 'B15', layer: 'namespaces', title: 'The listener lives in another network namespace' },
  { id: 'windows-reserved-port-range', ref: 'B16', layer: 'Windows', title: 'The port is inside a Windows reserved range' },
  { id: 'iptables-reject', ref: 'C1', layer: 'host firewall', title: 'An iptables rule rejects the connection' },
  { id: 'nftables-reject', ref: 'C2', layer: 'host firewall', title: 'An nftables rule rejects the connection' },
  { id: 'ufw-reject-or-limit', ref: 'C3', layer: 'host firewall', title: 'ufw rejects or rate-limits the connection' },
  { id: 'firewalld-reject', ref: 'C4', layer: 'host firewall', title: 'firewalld rejects the connection ("no route to host")' },
  { id: 'ban-or-rate-limit', ref: 'C5', layer: 'host firewall', title: 'This client is banned or rate-limited (fail2ban and the like)' },
  { id: 'port-knocking', ref: 'C6', layer: 'host firewall', title: 'The port opens only after a knock' },
  { id: 'bsd-pf-ipfw-return', ref: 'C7', layer: 'host firewall', title: 'A pf or ipfw rule returns a reset' },
  { id: 'tcp-wrappers-deny', ref: 'C8', layer: 'access control', title: 'TCP wrappers accept and then close the connection' },
  { id: 'docker-publish-problem', ref: 'D1', layer: 'containers', title: 'The container port is not published where the client connects' },
  { id: 'container-app-binds-loopback', ref: 'D2', layer: 'containers', title: 'The app inside the container listens on loopback only' },
  { id: 'dnat-dead-backend', ref: 'D3', layer: 'forwarding', title: 'A port-forward points at a dead backend' },
  { id: 'k8s-service-no-endpoints', ref: 'D4', layer: 'Kubernetes', title: 'The Kubernetes Service has no ready endpoints' },
  { id: 'lb-or-proxy-backend-down', ref: 'D5', layer: 'load balancer', title: 'The load balancer or proxy has no live backend' },
  { id: 'advertised-address-mismatch', ref: 'D6', layer: 'cluster metadata', title: 'The server advertises an address clients cannot reach' },
  { id: 'not-reproduced', ref: null, layer: 'observation', title: 'The connection works from here now' },
  { id: 'timeout-filtered', ref: null, layer: 'network filter', title: 'Not refused: the connection attempt is silently dropped' },
  { id: 'firewall-drop', ref: null, layer: 'host firewall', title: 'A firewall DROP rule silently discards the connection' },
  { id: 'host-firewall-suspected', ref: null, layer: 'host firewall', title: 'A host firewall is suspected but its rules are unreadable' },
  { id: 'dns-failure', ref: null, layer: 'name resolution', title: 'The name does not resolve' },
  { id: 'inconclusive', ref: null, layer: 'none', title: 'Not enough evidence to name the cause' },
] as const;

export type CauseId = (typeof causeIndex)[number]['id'];
export type CauseSummary = (typeof causeIndex)[number];

const byId = new Map<string, CauseSummary>(causeIndex.map((c) => [c.id, c]));

export function isCauseId(id: string): id is CauseId {
  return byId.has(id);
}

export function causeSummary(id: CauseId): CauseSummary {
  const found = byId.get(id);
  if (!found) throw new Error(`unknown cause id ${id}`);
  return found;
}
