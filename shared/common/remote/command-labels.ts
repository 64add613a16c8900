/**
 * What each server command is for, in a few words a support engineer understands: the live
 * progress shows these while the command runs ("Firewall rules and counters, before the probes").
 */
const LABELS: readonly (readonly [RegExp, (m: RegExpMatchArray) => string])[] = [
  [/^capabilities$/, () => 'Which tools the server has, and whether sudo -n works'],
  [/^listeners-ss(4|6)$/, (m) => `Who listens on the port (ss, IPv${m[1]})`],
  [/^listeners-ss/, () => 'Who listens on the port (ss)'],
  [/^listeners-netstat$/, () => 'Who listens on the port (netstat)'],
  [/^listeners-proc-(tcp6?)$/, (m) => `Who listens on the port (/proc/net/${m[1]})`],
  [/^route-get-(\d+)$/, (m) => `Which interface owns address ${m[1]}`],
  [/^self-probe-(\d+)$/, (m) => `Connecting to the port from the server itself (address ${m[1]})`],
  [/^firewall-managers$/, () => 'Which firewall managers are active'],
  [/^service-state$/, () => "The service's state"],
  [/^service-log$/, () => "The service's recent log"],
  [/^rules-(.+)-(before|after)$/, (m) => `Firewall rules and counters (${m[1]}), ${m[2]} the probes`],
  [/^kernel-counters-(before|after)$/, (m) => `Kernel reset and ICMP counters, ${m[1]} the probes`],
  [/^containers-ps$/, () => 'Containers and the ports they publish'],
  [/^containers-inspect$/, () => 'Container restarts and OOM kills'],
];

export function commandLabel(id: string): string {
  for (const [pattern, label] of LABELS) {
    const match = id.match(pattern);
    if (match) return label(match);
  }
  return id;
}
