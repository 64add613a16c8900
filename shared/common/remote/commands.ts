import { sh, type ShellCommand } from '../shell';

/**
 * Every read-only command Portwise runs on a server, built in one place: the SSH collector runs
 * them, and the wizard previews the same texts before anything runs. Values go in through `sh`, so
 * each is one quoted word.
 */

export const SERVICE_PROPERTIES =
  'Id,LoadState,ActiveState,SubState,Result,UnitFileState,NRestarts,MainPID,ExecMainStatus,ExecMainCode,ExecMainStartTimestamp,ActiveEnterTimestamp,InactiveEnterTimestamp,InactiveExitTimestamp,FragmentPath';

/** Firewall managers whose service state matters; knockd and fwknopd gate ports behind a knock (catalog C6). */
export const FIREWALL_MANAGERS = ['ufw', 'firewalld', 'nftables', 'fail2ban', 'knockd', 'fwknopd'] as const;

const filter = (port: number) => `sport = :${port}`;

/** Marks a kernel read (ShellCommand.bounded): it needs no server-side `timeout` around it. */
const bounded = (command: ShellCommand): ShellCommand => ({ ...command, bounded: true });

export const serverCommands = {
  // Without -H: the parser drops ss's header line itself, so one command serves every iproute2
  // (-H came in 4.13) and runs without a shell of its own.
  ssListeners: (family: 4 | 6, port: number) => bounded(sh`ss -tlnpe${family} ${filter(port)}`),
  netstatListeners: () => bounded(sh`netstat -tlnpW 2>/dev/null || netstat -tlnp 2>/dev/null || netstat -tln`),
  procTcp: (file: 'tcp' | 'tcp6') => bounded(sh`cat ${`/proc/net/${file}`}`),
  routeGet: (address: string) => bounded(sh`ip route get ${address}`),
  // With `timeout 3` of its own it needs no second one around it.
  selfProbeBash: (address: string, port: number, timed: boolean) => ({ text: `${timed ? 'timeout 3 ' : ''}${sh`bash -c ${'exec 3<>"/dev/tcp/$1/$2" && echo open'} _ ${address} ${port}`.text}`, simple: true, bounded: timed }),
  selfProbeNc: (address: string, port: number) => bounded(sh`nc -vz -w 3 ${address} ${port}`),
  firewallManagers: () => sh`systemctl is-active ${[...FIREWALL_MANAGERS]}`,
  // The unit is typed by a person: after `--`, so `-H host` or `--root=...` is a unit name systemctl
  // does not find, never an option. (journalctl's `-u` takes the next word as its value already.)
  serviceState: (unit: string) => sh`systemctl show -p ${SERVICE_PROPERTIES} --no-pager -- ${unit}`,
  serviceLog: (unit: string) => sh`journalctl -u ${unit} -n 100 -o json --no-pager -q`,
  /** `tool` is one of the fixed iptables-save names the capability probe found, never user input. */
  rulesSave: (tool: 'iptables-save' | 'ip6tables-save' | 'iptables-nft-save' | 'ip6tables-nft-save' | 'iptables-legacy-save' | 'ip6tables-legacy-save') => ({ text: `${tool} -c`, simple: true, bounded: true }),
  nftRuleset: () => bounded(sh`nft -j list ruleset`),
  // One `cat`, no shell: without IPv6 the second file is missing and cat exits 1 after printing the
  // first (the collector accepts that exit and requires the IPv4 counters).
  kernelCounters: () => bounded(sh`cat /proc/net/snmp /proc/net/snmp6`),
  dockerPs: () => sh`docker ps -a --no-trunc --format ${'{{json .}}'}`,
  dockerInspect: (ids: readonly string[]) => sh`docker inspect ${[...ids]}`,
} satisfies Record<string, (...args: never[]) => ShellCommand>;

export interface PlannedCommand {
  /** What the command finds out, in words. */
  purpose: string;
  /** The command as it runs (alternatives: the first one the server has). */
  commands: string[];
  /** Read as root where allowed (`sudo -n`), since it shows more then. */
  wantsRoot: boolean;
}

/**
 * The preview of a server check: every command the collector may run for this port, service and
 * these addresses (which variant runs depends on the tools the server has). Pure.
 */
export function serverCommandPlan(input: { port: number; addresses: readonly string[]; service: string | null }): PlannedCommand[] {
  const { port } = input;
  const addresses = input.addresses.length > 0 ? input.addresses : ['ADDRESS'];
  const loopbacks = [...new Set(addresses.map((a) => (a.includes(':') ? '::1' : '127.0.0.1')))];
  const c = serverCommands;
  const plan: PlannedCommand[] = [
    { purpose: 'Who listens on the port, on which address (one of these, as available)', commands: [c.ssListeners(4, port).text, c.ssListeners(6, port).text, c.netstatListeners().text, c.procTcp('tcp').text, c.procTcp('tcp6').text], wantsRoot: true },
    { purpose: "Whether each address is one of the server's own", commands: addresses.map((a) => c.routeGet(a).text), wantsRoot: false },
    { purpose: 'Whether the server reaches the service itself', commands: [...loopbacks, ...addresses].map((a) => c.selfProbeBash(a, port, true).text), wantsRoot: false },
    { purpose: 'Which firewall services run', commands: [c.firewallManagers().text], wantsRoot: false },
    {
      purpose: 'The firewall rules with their counters, before and after three fresh probes from this computer',
      commands: [c.rulesSave('iptables-nft-save').text, c.rulesSave('ip6tables-nft-save').text, c.rulesSave('iptables-legacy-save').text, c.rulesSave('ip6tables-legacy-save').text, c.nftRuleset().text],
      wantsRoot: true,
    },
    { purpose: 'The kernel counters of resets and ICMP errors the server sent, around the same probes', commands: [c.kernelCounters().text], wantsRoot: false },
    { purpose: 'Containers and the ports they publish', commands: [c.dockerPs().text, c.dockerInspect(['CONTAINER']).text], wantsRoot: true },
  ];
  if (input.service) plan.push({ purpose: `The state and last 100 log lines of ${input.service}`, commands: [c.serviceState(input.service).text, c.serviceLog(input.service).text], wantsRoot: true });
  return plan;
}
