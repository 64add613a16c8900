/** IP address text: validation and canonical IPv6 form. Pure. */

export function isIpv4(text: string): boolean {
  // Four dot-separated decimal parts, 0-255, without leading zeros. Read by character codes: the
  // parsers call this once per socket line, 100,000 times on a busy host.
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  for (let i = 0; ; i++) {
    const start = i;
    let value = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    const length = i - start;
    if (length === 0 || length > 3 || (length > 1 && text.charCodeAt(start) === 48) || value > 255) return false;
    parts++;
    if (i === n) return parts === 4;
    if (parts === 4 || text.charCodeAt(i) !== 46) return false;
  }
}

/** Returns the canonical (RFC 5952) text of an IPv6 address, or null when it is not one. */
export function normaliseIpv6(text: string): string | null {
  const groups = ipv6Groups(text);
  return groups === null ? null : formatIpv6Groups(groups);
}

/** RFC 5952 text of eight 16-bit groups (v4-mapped addresses in dotted form). */
export function formatIpv6Groups(groups: readonly number[]): string {
  // Joined, not concatenated: `+=` and template literals make a chain of cons strings that every
  // holder of the address keeps (a parse of /proc/net/tcp6 keeps 20,000 distinct ones); join
  // writes one flat string.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const hi = groups[6] ?? 0;
    const lo = groups[7] ?? 0;
    return [`::ffff:${hi >> 8}`, hi & 255, lo >> 8, lo & 255].join('.');
  }
  // The longest run of two or more zero groups (the first of equal runs) becomes "::".
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  // Joined with ":", the run is an empty part, and one more at either end of the address:
  // ["2001", "db8", "", "1"] is 2001:db8::1, ["", "", "1"] is ::1, ["", "", ""] is ::.
  const parts: string[] = [];
  if (bestStart === 0) parts.push('');
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      parts.push('');
      i += bestLength - 1;
      if (i === 7) parts.push('');
      continue;
    }
    parts.push(groups[i]!.toString(16));
  }
  return parts.join(':');
}

function ipv6Groups(text: string): number[] | null {
  if (text.length > 45) return null;
  // An embedded IPv4 tail is rare: read by the general code below, everything else by hexGroups.
  if (text.indexOf('.') < 0) return hexGroups(text);
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let body = text;
  const lastColon = body.lastIndexOf(':');
  const lastPart = body.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    // An embedded IPv4 tail (::ffff:127.0.0.1) is two 16-bit groups written in dotted form.
    if (lastColon < 0 || !isIpv4(lastPart)) return null;
    const [a, b, c, d] = lastPart.split('.').map(Number) as [number, number, number, number];
    body = `${body.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const explicit = head.length + tail.length;
  if (halves.length === 1) return explicit === 8 ? head : null;
  if (explicit > 7) return null;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...tail];
}


/**
 * Groups of an address without a dotted tail (`2001:2::1`, `::`, `fe80::1`), read in one pass by
 * character codes; null when it is not one. Gives what the general code gives for such text.
 */
function hexGroups(text: string): number[] | null {
  const n = text.length;
  if (n === 0) return null;
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
    if (i === n) return [0, 0, 0, 0, 0, 0, 0, 0];
  }
  for (;;) {
    let value = 0;
    const start = i;
    for (; i < n && i - start <= 4; i++) {
      const c = text.charCodeAt(i);
      let digit: number;
      if (c >= 48 && c <= 57) digit = c - 48;
      else if (c >= 97 && c <= 102) digit = c - 87;
      else if (c >= 65 && c <= 70) digit = c - 55;
      else break;
      value = value * 16 + digit;
    }
    if (i === start || i - start > 4) return null;
    groups.push(value);
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return null;
    i++;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return null;
      gap = groups.length;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return null;
    }
  }
  if (gap < 0) return groups.length === 8 ? groups : null;
  if (groups.length > 7) return null;
  const out = groups.slice(0, gap);
  for (let k = groups.length; k < 8; k++) out.push(0);
  for (let k = gap; k < groups.length; k++) out.push(groups[k]!);
  return out;
}

/** 127.0.0.0/8, ::1, and v4-mapped loopback. */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^::ffff:127\./i.test(address);
}
