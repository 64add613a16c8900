import { err, ok, type Result } from '../result';
import { parsePortList } from './iptables-save';

/**
 * Decodes firewalld's `firewall-cmd --list-all` / `--zone=Z --list-all` / `--list-all-zones`
 * (and the same from `firewall-offline-cmd`), plus `firewall-cmd --state` (catalog C4, §4.7). Pure.
 * A zone starts with an unindented `name` or `name (active)` / `name (default, active)` line,
 * followed by two-space-indented `key: value` lines; forward ports and rich rules continue on
 * tab-indented lines, one per line.
 */

export interface FirewalldPort {
  ports: [number, number];
  protocol: string;
  /** As printed, e.g. `9000-9010/tcp`. */
  text: string;
}

export interface FirewalldForwardPort {
  port: [number, number] | null;
  proto: string | null;
  toport: [number, number] | null;
  toaddr: string | null;
  text: string;
}

export interface FirewalldRichRule {
  /** The rule as printed. */
  text: string;
  family: 'ipv4' | 'ipv6' | null;
  sourceAddress: string | null;
  /** `source NOT address=...` */
  sourceInverted: boolean;
  destinationAddress: string | null;
  service: string | null;
  port: [number, number] | null;
  protocol: string | null;
  action: 'accept' | 'reject' | 'drop' | 'mark' | null;
  /** `reject type="tcp-reset"`; null for a plain reject (icmp(6) port-unreachable) or other actions. */
  rejectType: string | null;
}

export interface FirewalldZone {
  name: string;
  active: boolean;
  isDefault: boolean;
  /** `default`, `ACCEPT`, `DROP`, `%%REJECT%%`, `REJECT`; null if not listed. */
  target: string | null;
  icmpBlockInversion: boolean | null;
  interfaces: string[];
  sources: string[];
  services: string[];
  ports: FirewalldPort[];
  protocols: string[];
  forward: boolean | null;
  masquerade: boolean | null;
  forwardPorts: FirewalldForwardPort[];
  sourcePorts: FirewalldPort[];
  icmpBlocks: string[];
  richRules: FirewalldRichRule[];
}

export interface FirewallCmdError {
  code: 'not-running' | 'needs-privilege' | 'no-dbus' | 'not-firewall-cmd' | 'bad-line';
  message: string;
  line?: number;
}

/** Exit code of firewall-cmd when the daemon is not running (firewalld 1.3.3). */
export const FIREWALLD_NOT_RUNNING_EXIT = 252;

export function parseFirewallCmdState(text: string, exitCode: number | null = null): Result<{ running: boolean }, FirewallCmdError> {
  const t = text.trim();
  if (t === 'running') return ok({ running: true });
  if (t === 'not running' || /FirewallD is not running/i.test(t)) return ok({ running: false });
  const known = classify(t);
  if (known) return err(known);
  if (t === '' && exitCode === FIREWALLD_NOT_RUNNING_EXIT) return ok({ running: false });
  return err({ code: 'not-firewall-cmd', message: `Unexpected firewall-cmd --state output: "${firstLine(t)}"` });
}

export function parseFirewallCmdListAll(text: string): Result<FirewalldZone[], FirewallCmdError> {
  const known = classify(text.trim());
  if (known) return err(known);
  const zones: FirewalldZone[] = [];
  let zone: FirewalldZone | null = null;
  let continuing: 'forward-ports' | 'rich rules' | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const bad = (why: string): Result<never, FirewallCmdError> =>
      err({ code: 'bad-line', message: `Line ${lineNo}: ${why}: "${raw.trim().slice(0, 120)}"`, line: lineNo });
    if (!/^\s/.test(raw)) {
      const header = /^(\S+)(?:\s+\(([^)]*)\))?\s*$/.exec(raw);
      if (!header) {
        return zones.length === 0
          ? err({ code: 'not-firewall-cmd', message: `This is not firewall-cmd --list-all output: "${raw.slice(0, 120)}"`, line: lineNo })
          : bad('expected a zone name');
      }
      const flags = (header[2] ?? '').split(',').map((f) => f.trim());
      zone = emptyZone(header[1] ?? '', flags.includes('active'), flags.includes('default'));
      zones.push(zone);
      continuing = null;
      continue;
    }
    if (zone === null) return err({ code: 'not-firewall-cmd', message: `Line ${lineNo} is indented before any zone name: "${raw.trim().slice(0, 120)}"`, line: lineNo });
    if (raw.startsWith('\t') || (continuing !== null && /^\s{3,}/.test(raw))) {
      const item = raw.trim();
      if (continuing === 'rich rules') zone.richRules.push(parseRichRule(item));
      else if (continuing === 'forward-ports') zone.forwardPorts.push(parseForwardPort(item));
      else return bad('continuation line outside forward-ports or rich rules');
      continue;
    }
    const kv = /^\s+([a-z][a-z -]*):\s?(.*)$/.exec(raw);
    if (!kv) return bad('expected "key: value"');
    const key = kv[1] ?? '';
    const value = (kv[2] ?? '').trim();
    const list = value === '' ? [] : value.split(/\s+/);
    continuing = null;
    switch (key) {
      case 'target': zone.target = value || null; break;
      case 'icmp-block-inversion': zone.icmpBlockInversion = yesNo(value); break;
      case 'interfaces': zone.interfaces = list; break;
      case 'sources': zone.sources = list; break;
      case 'services': zone.services = list; break;
      case 'ports': zone.ports = list.map(parsePort).filter((p): p is FirewalldPort => p !== null); break;
      case 'source-ports': zone.sourcePorts = list.map(parsePort).filter((p): p is FirewalldPort => p !== null); break;
      case 'protocols': zone.protocols = list; break;
      case 'forward': zone.forward = yesNo(value); break;
      case 'masquerade': zone.masquerade = yesNo(value); break;
      case 'icmp-blocks': zone.icmpBlocks = list; break;
      case 'forward-ports':
        continuing = 'forward-ports';
        // Older firewalld printed them on the same line, space-separated.
        for (const item of list) zone.forwardPorts.push(parseForwardPort(item));
        break;
      case 'rich rules':
        continuing = 'rich rules';
        if (value !== '') zone.richRules.push(parseRichRule(value));
        break;
      default:
        break; // newer keys (e.g. "ingress-priority") are not needed here
    }
  }
  if (zones.length === 0) return err({ code: 'not-firewall-cmd', message: 'No zone found in the firewall-cmd output.' });
  return ok(zones);
}

function classify(t: string): FirewallCmdError | null {
  if (/FirewallD is not running/i.test(t) || t === 'not running') return { code: 'not-running', message: 'firewalld is not running.' };
  if (/Authorization failed|Not authorized|AccessDenied|run the application as superuser/i.test(t)) {
    return { code: 'needs-privilege', message: `firewall-cmd was refused by polkit: "${firstLine(t)}"` };
  }
  if (/DBUS_ERROR|Failed to connect to socket|org\.freedesktop\.DBus\.Error/i.test(t)) {
    return { code: 'no-dbus', message: `firewall-cmd could not reach D-Bus: "${firstLine(t)}"` };
  }
  return null;
}

function emptyZone(name: string, active: boolean, isDefault: boolean): FirewalldZone {
  return {
    name, active, isDefault, target: null, icmpBlockInversion: null, interfaces: [], sources: [], services: [], ports: [],
    protocols: [], forward: null, masquerade: null, forwardPorts: [], sourcePorts: [], icmpBlocks: [], richRules: [],
  };
}

function yesNo(v: string): boolean | null {
  return v === 'yes' ? true : v === 'no' ? false : null;
}

function range(text: string): [number, number] | null {
  const r = parsePortList(text.replace('-', ':'));
  return r !== null && r.length === 1 ? (r[0] ?? null) : null;
}

function parsePort(item: string): FirewalldPort | null {
  const m = /^([\d-]+)\/(\w+)$/.exec(item);
  const ports = m ? range(m[1] ?? '') : null;
  return m && ports ? { ports, protocol: m[2] ?? '', text: item } : null;
}

function parseForwardPort(item: string): FirewalldForwardPort {
  // The last value of each key wins, as a Map built from every field would give; only the three
  // keys read are kept, so a line of thousands of ':' costs no more than its split.
  const fields: Record<'port' | 'proto' | 'toport', string | undefined> = { port: undefined, proto: undefined, toport: undefined };
  for (const kv of item.split(':')) {
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    if (key === 'port' || key === 'proto' || key === 'toport') fields[key] = eq < 0 ? '' : kv.slice(eq + 1);
  }
  const { port, toport } = fields;
  // toaddr may be IPv6 and contain ':' itself: take everything after "toaddr=".
  const toaddrAt = item.indexOf('toaddr=');
  return {
    port: port ? range(port) : null,
    proto: fields.proto || null,
    toport: toport ? range(toport) : null,
    toaddr: toaddrAt >= 0 ? item.slice(toaddrAt + 'toaddr='.length) || null : null,
    text: item,
  };
}

/** Picks the fields the diagnosis needs out of a rich rule; the full text stays in `text`. */
export function parseRichRule(text: string): FirewalldRichRule {
  const attr = (element: string, name: string): string | null => {
    // The element word must stand alone: "port" but not "source-port" / "forward-port".
    const re = new RegExp(`(?<![\\w-])${element}(?![\\w-])(?:\\s+NOT)?(?:\\s+[\\w-]+="[^"]*")*?\\s+${name}="([^"]*)"`);
    return re.exec(text)?.[1] ?? null;
  };
  const family = /\bfamily="(ipv4|ipv6)"/.exec(text)?.[1] as 'ipv4' | 'ipv6' | undefined;
  // The action is a bare word; blank quoted values first so a prefix="drop" cannot look like one.
  const action = /(?<![\w-])(accept|reject|drop|mark)(?![\w-])/.exec(text.replace(/"[^"]*"/g, '""'))?.[1] as FirewalldRichRule['action'] | undefined;
  const portText = attr('port', 'port');
  return {
    text,
    family: family ?? null,
    sourceAddress: attr('source', 'address'),
    sourceInverted: /\bsource\s+NOT\b/.test(text),
    destinationAddress: attr('destination', 'address'),
    service: attr('service', 'name'),
    port: portText !== null ? range(portText) : null,
    protocol: attr('port', 'protocol'),
    action: action ?? null,
    rejectType: action === 'reject' ? attr('reject', 'type') : null,
  };
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 160);
}
