import type { CauseId } from './catalog';

/** A command as the user would type it on one platform; `{host}`, `{port}`, `{address}` are filled in. */
export interface FixCommand {
  platform: 'linux' | 'macos' | 'windows' | 'any';
  command: string;
}

export interface RemediationStep {
  text: string;
  commands: readonly FixCommand[];
}

export interface CauseDefinition {
  id: CauseId;
  /** Plain words a support engineer can read out to a customer. */
  explanation: string;
  /** What evidence proves this cause. */
  proof: string;
  remediation: readonly RemediationStep[];
  /** How to check that the fix worked. */
  verify: string;
}

const recheck = 'Run `portwise diagnose {host}:{port}` again: every address should now connect.';

/**
 * Full definitions for the causes the decision tree can conclude today. A cause appears here when a
 * tree leaf can name it; candidates in an inconclusive verdict only need the catalog title.
 */
export const causeDefinitions = {
  'service-not-running': {
    id: 'service-not-running',
    explanation:
      'Nothing is listening on port {port}, so the operating system answers every connection attempt with an immediate refusal. The program that should answer is stopped, crashed, or not installed on this machine.',
    proof: 'Every address refuses at once on every attempt, and the listener table shows no socket on the port.',
    remediation: [
      {
        text: 'Find which program should own port {port} and start it.',
        commands: [
          { platform: 'linux', command: 'systemctl list-units --type=service --all --no-pager | grep -i SERVICE' },
          { platform: 'linux', command: 'sudo systemctl enable --now SERVICE' },
          { platform: 'macos', command: 'brew services list' },
          { platform: 'windows', command: 'Get-Service | Where-Object Status -ne Running' },
        ],
      },
      {
        text: 'If it stopped by itself, read its log to learn why before restarting it again.',
        commands: [
          { platform: 'linux', command: 'journalctl -u SERVICE -n 100 --no-pager' },
          { platform: 'windows', command: "Get-WinEvent -FilterHashtable @{LogName='System'; ProviderName='Service Control Manager'} -MaxEvents 20" },
        ],
      },
      {
        text: 'Check that it now listens on the port.',
        commands: [
          { platform: 'linux', command: "ss -Htlnp 'sport = :{port}'" },
          { platform: 'macos', command: 'lsof -nP -iTCP:{port} -sTCP:LISTEN' },
          { platform: 'windows', command: 'Get-NetTCPConnection -LocalPort {port} -State Listen' },
        ],
      },
    ],
    verify: recheck,
  },
  'localhost-resolution-mismatch': {
    id: 'localhost-resolution-mismatch',
    explanation:
      'The name "{host}" stands for two loopback addresses, 127.0.0.1 (IPv4) and ::1 (IPv6), but the service listens on only one of them. A client that picks the other one is refused, although the service is running. Node.js 17 and later, and many other clients, try ::1 first.',
    proof: 'Per-address probes: one loopback family connects, the other is refused; the listener table shows the port on one family only.',
    remediation: [
      {
        text: 'Either point the client at the address the service listens on (for example 127.0.0.1:{port} instead of localhost:{port}).',
        commands: [{ platform: 'any', command: 'curl -v telnet://127.0.0.1:{port}' }],
      },
      {
        text: 'Or make the service listen on both families: bind to the wildcard (`::` dual-stack) or to both 127.0.0.1 and ::1.',
        commands: [],
      },
      {
        text: 'For a Node.js client you control, prefer IPv4 answers.',
        commands: [{ platform: 'any', command: 'node --dns-result-order=ipv4first app.js' }],
      },
    ],
    verify: recheck,
  },
  'client-local-block': {
    id: 'client-local-block',
    explanation:
      'A listener exists on port {port}, yet this computer refuses the connection. Something on the workstation itself, such as a local firewall rule, an endpoint security agent or a VPN client, rejects it before it leaves.',
    proof: 'The listener table shows a socket that covers the refused address, and the refusal arrives in well under a millisecond.',
    remediation: [
      {
        text: 'Look for local rules that reject outgoing or loopback traffic to the port.',
        commands: [
          { platform: 'linux', command: 'sudo iptables -S OUTPUT; sudo nft list ruleset' },
          { platform: 'macos', command: 'sudo pfctl -sr' },
          { platform: 'windows', command: 'Get-NetFirewallRule -Direction Outbound -Action Block -Enabled True' },
        ],
      },
      { text: 'Check security or VPN software on this computer, and ask whether the same connection works from another computer.', commands: [] },
    ],
    verify: recheck,
  },
  'bind-wrong-interface-ip': {
    id: 'bind-wrong-interface-ip',
    explanation:
      'The service is running, but it listens on one specific address, and the address you connect to is a different one. The operating system refuses connections to every address the service did not bind.',
    proof: 'The listener table shows the port bound to an address other than the refused one, and no wildcard listener.',
    remediation: [
      { text: 'Connect to the address the service listens on, or configure the service to listen on the wildcard (0.0.0.0 and ::) or on the address clients use.', commands: [] },
      {
        text: 'See which address the service bound.',
        commands: [
          { platform: 'linux', command: "ss -Htlnp 'sport = :{port}'" },
          { platform: 'macos', command: 'lsof -nP -iTCP:{port} -sTCP:LISTEN' },
          { platform: 'windows', command: 'Get-NetTCPConnection -LocalPort {port} -State Listen' },
        ],
      },
    ],
    verify: recheck,
  },
  'bind-loopback-only': {
    id: 'bind-loopback-only',
    explanation:
      'The service listens on the loopback address only, so it accepts connections from the server itself and nobody else. Redis in protected mode is a variant: it accepts, answers "DENIED", and closes.',
    proof: 'The listener table shows only 127.0.0.1 or ::1 on the port, or Redis answered "DENIED Redis is running in protected mode".',
    remediation: [
      {
        text: "Change the service's listen address to the address clients use, or to the wildcard, then restart it (PostgreSQL `listen_addresses`, MySQL `bind-address`, Redis `bind` and `protected-mode`, nginx `listen`).",
        commands: [],
      },
      { text: 'Open authentication and the firewall for the clients too (pg_hba.conf, MySQL user host part).', commands: [] },
    ],
    verify: recheck,
  },
  'v6only-listener-ipv4-refused': {
    id: 'v6only-listener-ipv4-refused',
    explanation:
      'The service listens on the IPv6 wildcard with the "IPv6 only" option (IPV6_V6ONLY), so it accepts IPv6 connections but refuses IPv4 ones. nginx `listen [::]:80;` works this way, and so does any program on a system with `net.ipv6.bindv6only = 1`.',
    proof: 'The listener is `[::]` on the port and IPv4 connections are refused while IPv6 would connect; `ss -Htlne` shows `v6only:1`.',
    remediation: [
      {
        text: 'Add an IPv4 listener next to the IPv6 one (nginx: `listen 80;` beside `listen [::]:80;`), or turn the socket dual-stack (the program\'s option, or `sysctl net.ipv6.bindv6only=0` before it starts).',
        commands: [
          { platform: 'linux', command: "ss -Htlne 'sport = :{port}'" },
          { platform: 'linux', command: 'sysctl net.ipv6.bindv6only' },
        ],
      },
      { text: 'Or have the client use the IPv6 address.', commands: [] },
    ],
    verify: recheck,
  },
  'aaaa-without-ipv6-listener': {
    id: 'aaaa-without-ipv6-listener',
    explanation:
      'The name has an IPv6 address, but the service listens on IPv4 only (for example `0.0.0.0:{port}`), so every IPv6 connection is refused. Clients that try IPv6 first fail or slow down; `curl -4` works.',
    proof: "The server's listener table shows an IPv4 socket on the port and no IPv6 or dual-stack one, while the IPv6 address is the server's own.",
    remediation: [
      { text: 'Add an IPv6 listener: nginx `listen [::]:{port};`, Apache `Listen [::]:{port}`, or bind the program to `::` (dual-stack).', commands: [] },
      { text: 'Or remove the AAAA record if IPv6 is not meant to be served.', commands: [] },
    ],
    verify: recheck,
  },
  'service-crash-loop': {
    id: 'service-crash-loop',
    explanation:
      'The service starts, crashes and is restarted again and again, so the port is open only in short moments between crashes. Its log shows why it dies.',
    proof: 'systemctl shows the unit restarting (SubState auto-restart, a growing restart count) or stopped after too many restarts (start-limit-hit).',
    remediation: [
      {
        text: 'Read why it exits, fix that, then clear the failed state and start it.',
        commands: [
          { platform: 'linux', command: 'journalctl -u UNIT -n 100 --no-pager' },
          { platform: 'linux', command: 'sudo systemctl reset-failed UNIT && sudo systemctl start UNIT' },
        ],
      },
    ],
    verify: recheck,
  },
  'service-oom-killed': {
    id: 'service-oom-killed',
    explanation: 'The kernel killed the service because the machine or its cgroup ran out of memory; nothing listens until it is restarted.',
    proof: 'The journal shows "Out of memory: Killed process" or the unit Result is oom-kill.',
    remediation: [
      { text: 'Raise the memory limit (MemoryMax=, the container limit, the JVM heap) or find the leak; keep a restart policy.', commands: [{ platform: 'linux', command: "journalctl -k --since -2h --no-pager | grep -iE 'out of memory|oom-kill'" }] },
    ],
    verify: recheck,
  },
  'service-starting-up': {
    id: 'service-starting-up',
    explanation: 'The service is still starting: the port opens only once it is ready. This is normal for a few seconds after a restart or boot.',
    proof: 'systemctl shows the unit activating (start), or started seconds ago.',
    remediation: [{ text: 'Wait for it to become active, then retry; make clients retry with backoff and order dependent services after it (After=, health checks).', commands: [] }],
    verify: recheck,
  },
  'port-in-use-conflict': {
    id: 'port-in-use-conflict',
    explanation: 'The service could not start because another program already holds port {port} ("Address already in use").',
    proof: 'The service log shows "Address already in use" (EADDRINUSE) at start.',
    remediation: [
      {
        text: 'Find the program that holds the port, stop or move it (or move the service), then start the service.',
        commands: [
          { platform: 'linux', command: "sudo ss -Htlnp 'sport = :{port}'" },
          { platform: 'linux', command: 'sudo systemctl restart UNIT' },
        ],
      },
    ],
    verify: recheck,
  },
  'bind-address-unavailable': {
    id: 'bind-address-unavailable',
    explanation: 'The service is configured to listen on an address this server does not have (any more), so it failed at start ("Cannot assign requested address").',
    proof: 'The service log shows "Cannot assign requested address" (EADDRNOTAVAIL) at start.',
    remediation: [
      { text: 'Correct the listen address, or start the service after the network is up (Wants= and After=network-online.target), or allow a non-local bind.', commands: [{ platform: 'linux', command: 'ip -o addr show' }] },
    ],
    verify: recheck,
  },
  'privileged-port-denied': {
    id: 'privileged-port-denied',
    explanation: 'The service runs as an ordinary user and may not bind a port below 1024, so it failed at start ("Permission denied").',
    proof: 'The service log shows "Permission denied" at bind and no SELinux denial.',
    remediation: [
      { text: 'Grant the capability (AmbientCapabilities=CAP_NET_BIND_SERVICE in the unit, or setcap on the binary), or use a high port behind a proxy.', commands: [{ platform: 'linux', command: 'sysctl net.ipv4.ip_unprivileged_port_start' }] },
    ],
    verify: recheck,
  },
  'iptables-reject': {
    id: 'iptables-reject',
    explanation: 'The service is listening, but an iptables rule on the server rejects connections to port {port} from other machines. The rule is named below, with the packets it counted while Portwise probed.',
    proof: "The rule's packet counter rose by the number of probes sent, and the server reaches the service itself.",
    remediation: [
      {
        text: 'Allow the port before the rejecting rule (or remove the rule), and make the change persistent the way this server manages its rules.',
        commands: [
          { platform: 'linux', command: 'sudo iptables -S INPUT --line-numbers' },
          { platform: 'linux', command: 'sudo iptables -I INPUT -p tcp --dport {port} -j ACCEPT' },
        ],
      },
    ],
    verify: recheck,
  },
  'nftables-reject': {
    id: 'nftables-reject',
    explanation: 'The service is listening, but an nftables rule on the server rejects connections to port {port}. The rule is named below, with the packets it counted while Portwise probed.',
    proof: "The rule's counter rose by the number of probes sent, and the server reaches the service itself.",
    remediation: [
      {
        text: 'Add an accept rule before it, or delete it by its handle, then save the rule set (/etc/nftables.conf).',
        commands: [
          { platform: 'linux', command: 'sudo nft -a list ruleset' },
          { platform: 'linux', command: 'sudo nft delete rule FAMILY TABLE CHAIN handle HANDLE' },
        ],
      },
    ],
    verify: recheck,
  },
  'ufw-reject-or-limit': {
    id: 'ufw-reject-or-limit',
    explanation: 'ufw, the server firewall, rejects (or rate-limits) connections to port {port}.',
    proof: "A ufw chain's rule counted the probes, or ufw lists a REJECT/LIMIT/DENY rule for the port.",
    remediation: [
      { text: 'Allow the port in ufw.', commands: [{ platform: 'linux', command: 'sudo ufw status numbered' }, { platform: 'linux', command: 'sudo ufw allow {port}/tcp' }] },
    ],
    verify: recheck,
  },
  'firewalld-reject': {
    id: 'firewalld-reject',
    explanation: 'firewalld rejects the connection with an ICMP "prohibited" message, which clients report as "No route to host" or "Permission denied": it looks like a routing problem, but it is the server firewall.',
    proof: 'The answer was a fast EHOSTUNREACH/EACCES, firewalld is active, and the server itself sent the ICMP unreachables while Portwise probed (its /proc/net/snmp counter rose; firewalld\'s own rules carry no counters).',
    remediation: [
      {
        text: 'Open the port in the zone of the receiving interface, permanently, and reload.',
        commands: [
          { platform: 'linux', command: 'sudo firewall-cmd --get-active-zones' },
          { platform: 'linux', command: 'sudo firewall-cmd --permanent --add-port={port}/tcp && sudo firewall-cmd --reload' },
        ],
      },
    ],
    verify: recheck,
  },
  'dnat-dead-backend': {
    id: 'dnat-dead-backend',
    explanation: 'The server forwards port {port} (a DNAT rule) to another address, and nothing answers there: the backend is down, its port is closed, or the forward points at the wrong place.',
    proof: 'A DNAT rule for the port counted the probes; the refusal or "no route" comes from the backend side.',
    remediation: [
      { text: 'Check the backend the rule points to, and update or remove the forward.', commands: [{ platform: 'linux', command: 'sudo iptables -t nat -S; sudo nft list ruleset' }] },
    ],
    verify: recheck,
  },
  'firewall-drop': {
    id: 'firewall-drop',
    explanation: 'A firewall rule on the server silently drops connections to port {port}, so clients wait and time out instead of being refused.',
    proof: "A DROP rule's (or a DROP policy's) counter rose by the number of probes sent.",
    remediation: [{ text: 'Allow the port before the dropping rule, or remove it, then save the rule set.', commands: [{ platform: 'linux', command: 'sudo iptables-save -c | grep -n DROP; sudo nft -a list ruleset' }] }],
    verify: recheck,
  },
  'host-firewall-suspected': {
    id: 'host-firewall-suspected',
    explanation: 'The service listens and answers on the server itself, so the refusal comes from something between: most likely the server firewall, whose rules this account cannot read.',
    proof: 'Listener fine, self-probe fine, firewall rules unreadable without root.',
    remediation: [
      { text: "Read the rules as root, or allow Portwise to use `sudo -n` for read-only commands in the profile.", commands: [{ platform: 'linux', command: 'sudo iptables-save -c; sudo nft list ruleset; sudo ufw status verbose' }] },
    ],
    verify: recheck,
  },
  'not-reproduced': {
    id: 'not-reproduced',
    explanation:
      'From this computer every address of {host} accepts connections on port {port} right now. The refusal either stopped, happens only from another machine or network, or the failing application connects somewhere else than it seems.',
    proof: 'Every probe to every resolved address connected.',
    remediation: [
      { text: "Compare the application's configured host and port with {host}:{port}, and check whether it uses a proxy.", commands: [] },
      { text: 'Run Portwise again from the machine where the error happens, or while it happens.', commands: [] },
    ],
    verify: 'Retry the failing application now.',
  },
  'timeout-filtered': {
    id: 'timeout-filtered',
    explanation:
      'This is not a refusal: the connection attempts got no answer at all and timed out. Something on the way silently drops them: a firewall DROP rule, a cloud security group, Windows Firewall, or the host is down.',
    proof: 'Every probe to every address timed out without any answer.',
    remediation: [
      { text: 'Check the cloud security group or network ACL for port {port}, and any firewall in front of the server.', commands: [] },
      {
        text: 'On the server, look for DROP rules and whether the host is up.',
        commands: [
          { platform: 'linux', command: 'sudo iptables-save -c | grep -E "DROP|REJECT"; sudo nft list ruleset' },
          { platform: 'windows', command: 'Get-NetFirewallProfile | Select Name,Enabled,DefaultInboundAction' },
        ],
      },
    ],
    verify: recheck,
  },
  'dns-failure': {
    id: 'dns-failure',
    explanation:
      'The name "{host}" does not resolve to any address, so no connection was attempted. It is misspelt, missing from DNS, or only resolvable inside another network or VPN.',
    proof: 'Name resolution failed (the error code is in the evidence).',
    remediation: [
      {
        text: 'Check the spelling and ask whether the name only exists inside a VPN or a corporate network.',
        commands: [
          { platform: 'linux', command: 'getent ahosts {host}; resolvectl query {host}' },
          { platform: 'macos', command: 'dscacheutil -q host -a name {host}' },
          { platform: 'windows', command: 'Resolve-DnsName {host}' },
        ],
      },
    ],
    verify: 'Run `portwise diagnose {host}:{port}` again: the name should now resolve to the address the service runs on.',
  },
  inconclusive: {
    id: 'inconclusive',
    explanation:
      'The evidence collected from this computer narrows the cause down but cannot prove it. The missing evidence below says what to collect next.',
    proof: 'See the missing evidence and the candidate causes.',
    remediation: [{ text: 'Collect the missing evidence listed below, for example by giving Portwise SSH access to the server.', commands: [] }],
    verify: recheck,
  },
} as const satisfies Partial<Record<CauseId, CauseDefinition>>;

/** A cause the tree can conclude: it has a full definition. */
export type VerdictCauseId = keyof typeof causeDefinitions;

export interface FixContext {
  host: string;
  port: number;
}

export function fillPlaceholders(text: string, ctx: FixContext): string {
  return text.replaceAll('{host}', ctx.host).replaceAll('{port}', String(ctx.port));
}
