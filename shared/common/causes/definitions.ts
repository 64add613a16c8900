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
