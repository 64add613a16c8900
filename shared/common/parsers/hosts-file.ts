import { isIpv4, normaliseIpv6 } from '../net/address';

/** One line of a hosts file (/etc/hosts, C:\Windows\System32\drivers\etc\hosts). */
export interface HostsEntry {
  address: string;
  names: string[];
  line: number;
}

/** Parses hosts-file text. Comments, blank lines and lines not led by an IP address are skipped, never fatal. */
export function parseHostsFile(text: string): HostsEntry[] {
  const entries: HostsEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const hash = rawLine.indexOf('#');
    // Lower-cased once per line rather than once per name: a hostile line holds 50,000 names.
    const line = (hash < 0 ? rawLine : rawLine.slice(0, hash)).trim().toLowerCase();
    if (line === '') continue;
    const [field, ...names] = line.split(/\s+/);
    if (!field || names.length === 0) continue;
    // Addresses are kept in the canonical form getaddrinfo prints (fe00::0 -> fe00::), zone ids dropped.
    const bare = field.split('%')[0] ?? field;
    const address = isIpv4(bare) ? bare : normaliseIpv6(bare);
    if (address === null) continue;
    entries.push({ address, names, line: index + 1 });
  }
  return entries;
}

/** The addresses a hosts file gives for a name, in file order (names match case-insensitively). */
export function hostsFileAddresses(entries: readonly HostsEntry[], name: string): string[] {
  const wanted = name.toLowerCase().replace(/\.$/, '');
  return entries.filter((e) => e.names.includes(wanted)).map((e) => e.address);
}
