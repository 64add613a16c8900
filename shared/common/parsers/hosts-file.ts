/** One line of a hosts file (/etc/hosts, C:\Windows\System32\drivers\etc\hosts). */
export interface HostsEntry {
  address: string;
  names: string[];
  line: number;
}

/** Parses hosts-file text. Comments, blank lines and malformed lines are skipped, never fatal. */
export function parseHostsFile(text: string): HostsEntry[] {
  const entries: HostsEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [address, ...names] = line.split(/\s+/);
    if (!address || names.length === 0 || !/^[0-9a-fA-F:.%a-zA-Z]+$/.test(address) || !/[.:]/.test(address)) continue;
    entries.push({ address: address.split('%')[0] ?? address, names: names.map((n) => n.toLowerCase()), line: index + 1 });
  }
  return entries;
}

/** The addresses a hosts file gives for a name, in file order (names match case-insensitively). */
export function hostsFileAddresses(entries: readonly HostsEntry[], name: string): string[] {
  const wanted = name.toLowerCase().replace(/\.$/, '');
  return entries.filter((e) => e.names.includes(wanted)).map((e) => e.address);
}
