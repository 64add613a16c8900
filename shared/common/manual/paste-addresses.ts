import { cidrContains } from '../firewall/match';
import { isIpv4, normaliseIpv6 } from '../net/address';
import { parseIpAddrJson, parseIpAddrOneline, type IpAddress, type IpInterface } from '../parsers/ip-addr';
import { err, ok, type Result } from '../result';
import type { RemoteFacts } from '../tree/remote-facts';
import type { DetectedFormat } from './formats';
import { atLine, ParserInput, quoteLine, withoutFailures, type PasteLine, type PreparedPaste } from './paste-text';
import type { ParsedPaste, PasteContext, PasteError } from './types';

/**
 * The server's interface addresses (`ip -o addr show`, `ip -j addr show`, plain `ip addr show`, the
 * same from BusyBox, or `hostname -I`), turned into the one question the tree asks of them: is
 * each address the workstation failed to reach one of the server's own (catalog T11)?
 */

const LINK_HEADER = /^(\d{1,10}):\s+([^\s:@]+)(?:@[^\s:]+)?:\s/;
const INET_LINE = /^\s+(inet6?)\s+(\S.*)$/;

export function parseAddressesPaste(paste: PreparedPaste, format: DetectedFormat, ctx: PasteContext): Result<ParsedPaste, PasteError> {
  const lines = withoutFailures(paste);
  if (format.id === 'ifconfig') {
    return err({ kind: 'addresses', message: '`ifconfig` output is not read here: paste the output of `ip -o addr show` instead (BusyBox has it too).' });
  }
  let interfaces: Result<IpInterface[], PasteError>;
  let label = format.label;
  if (format.id === 'ip-json') interfaces = fromJson(lines);
  else if (format.id === 'hostname-i') interfaces = fromHostnameI(lines);
  else {
    const plain = lines.some((l) => INET_LINE.test(l.text));
    label = plain ? 'ip addr show' : 'ip -o addr show';
    interfaces = fromOneline(plain ? toOneline(lines) : lines);
  }
  if (!interfaces.ok) return interfaces;
  const addresses = interfaces.value.flatMap((i) => i.addresses.map((a) => ({ iface: i.ifname, address: a })));
  if (addresses.length === 0) {
    return err({ kind: 'addresses', message: `The pasted \`${label}\` output lists no IPv4 or IPv6 address: paste the output of \`ip -o addr show\` without a filter.` });
  }
  const ownership: RemoteFacts['ownership'] = ctx.failing.map((f) => ownershipOf(f.address, addresses, label));
  const owned = ownership.filter((o) => o.owned).map((o) => o.address);
  const foreign = ownership.filter((o) => o.owned === false).map((o) => o.address);
  const parts = [
    owned.length > 0 ? `${owned.join(', ')} ${owned.length === 1 ? 'is an address' : 'are addresses'} of the server` : '',
    foreign.length > 0 ? `${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not` : '',
  ].filter((p) => p !== '');
  const count = `${addresses.length} address${addresses.length === 1 ? '' : 'es'} pasted (${label})`;
  return ok({ patch: { kind: 'addresses', ownership }, format: label, summary: parts.length > 0 ? `${parts.join('; ')}; ${count}` : count });
}

function ownershipOf(target: string, addresses: readonly { iface: string; address: IpAddress }[], label: string): RemoteFacts['ownership'][number] {
  const wanted = canonical(target);
  const exact = wanted === null ? undefined : addresses.find((a) => a.address.address === wanted);
  if (exact) {
    const flags = [exact.address.tentative ? 'tentative' : '', exact.address.dadfailed ? 'dadfailed' : '', exact.address.deprecated ? 'deprecated' : ''].filter((f) => f !== '');
    return { address: target, owned: true, how: `${label} (pasted): ${exact.address.address}/${exact.address.prefixlen} on ${exact.iface}${flags.length ? ` (${flags.join(', ')})` : ''}` };
  }
  // A host-scope prefix (127.0.0.1/8 on lo) makes the whole range local, as `ip route get` would say.
  const range = wanted === null ? undefined : addresses.find((a) => a.address.scope === 'host' && a.address.family === (wanted.includes(':') ? 6 : 4) && cidrContains(`${a.address.address}/${a.address.prefixlen}`, wanted));
  if (range) return { address: target, owned: true, how: `${label} (pasted): inside ${range.address.address}/${range.address.prefixlen} on ${range.iface} (scope host)` };
  return { address: target, owned: false, how: `${label} (pasted): not among the server's ${addresses.length} interface addresses` };
}

function canonical(address: string): string | null {
  const plain = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return isIpv4(plain) ? plain : normaliseIpv6(plain);
}

function fromJson(lines: readonly PasteLine[]): Result<IpInterface[], PasteError> {
  const parsed = parseIpAddrJson(new ParserInput(lines).text);
  return parsed.ok ? parsed : err({ kind: 'addresses', message: `${parsed.error.message} (read as \`ip -j addr show\` output)` });
}

function fromOneline(lines: readonly PasteLine[]): Result<IpInterface[], PasteError> {
  const input = new ParserInput(lines);
  const parsed = parseIpAddrOneline(input.text);
  if (parsed.ok) return parsed;
  return err({ kind: 'addresses', message: `${input.message(parsed.error.message, parsed.error.line)} (read as \`ip -o addr show\` output)`, ...atLine(input.pasteLine(parsed.error.line)) });
}

/**
 * Plain `ip addr show` into the one-line form: the `N: IFNAME: <FLAGS> ...` header lines are
 * already what `ip -o link` prints, and each indented `inet`/`inet6` line becomes `N: IFNAME inet ...`.
 * Lifetimes and link/ether lines are dropped. Lines cut out by `| grep inet` keep an unknown name.
 */
function toOneline(lines: readonly PasteLine[]): PasteLine[] {
  let index = '0';
  let ifname = '?';
  const out: PasteLine[] = [];
  for (const l of lines) {
    const header = LINK_HEADER.exec(l.text);
    if (header) {
      index = header[1]!;
      ifname = header[2]!;
      out.push(l);
      continue;
    }
    const inet = INET_LINE.exec(l.text);
    out.push(inet ? { text: `${index}: ${ifname} ${inet[1]} ${inet[2]}`, no: l.no } : { text: '', no: l.no });
  }
  return out;
}

/** `hostname -I`: the addresses only, on one line (no loopback, no prefix lengths). */
function fromHostnameI(lines: readonly PasteLine[]): Result<IpInterface[], PasteError> {
  const addresses: IpAddress[] = [];
  for (const l of lines) {
    for (const word of l.text.trim().split(/\s+/).filter((w) => w !== '')) {
      const address = canonical(word);
      if (address === null) return err({ kind: 'addresses', message: `Line ${l.no}: "${quoteLine(word, 60)}" is not an IP address (read as \`hostname -I\` output).`, line: l.no });
      const family = address.includes(':') ? 6 : 4;
      addresses.push({ address, prefixlen: family === 4 ? 32 : 128, family, scope: 'global', secondary: false, tentative: false, dadfailed: false, deprecated: false, label: null, peer: null });
    }
  }
  return ok([{ ifname: '?', ifindex: 0, state: null, flags: null, addresses }]);
}
