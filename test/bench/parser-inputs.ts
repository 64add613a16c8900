/**
 * Deterministic, realistic inputs for the parser benchmark (test/bench/parsers.bench.test.ts): the
 * same seed gives the same bytes on every machine, so figures from two runs parse the same text.
 * Addresses are only 198.18.0.0/15, 2001:2::/48 and loopback (documentation ranges).
 */

/** mulberry32: a small seeded generator, good enough to vary the lines. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');
const v4 = (rng: Rng) => `198.${int(rng, 18, 19)}.${int(rng, 0, 255)}.${int(rng, 1, 254)}`;

// A host's own addresses: every local address of its sockets is one of these (or a wildcard or
// loopback); remote addresses are its many clients.
const HOST_V4 = ['198.18.0.10', '198.18.0.11', '198.18.7.1', '198.19.40.2'] as const;
const HOST_V6 = ['2001:2::10', '2001:2::11', '2001:2:0:7::1', '2001:2:0:40::2'] as const;
const CLIENTS = 20_000;

const SERVICES = [
  { name: 'nginx', cgroup: '/system.slice/nginx.service', uid: 0 },
  { name: 'sshd', cgroup: '/system.slice/ssh.service', uid: 0 },
  { name: 'postgres', cgroup: '/system.slice/postgresql@16-main.service', uid: 116 },
  { name: 'java', cgroup: '/system.slice/tomcat10.service', uid: 997 },
  { name: 'node', cgroup: '/user.slice/user-1000.slice/user@1000.service/app.slice/api.service', uid: 1000 },
  { name: 'python3', cgroup: '/system.slice/gunicorn.service', uid: 33 },
  { name: 'containerd-shim', cgroup: '/system.slice/containerd.service', uid: 0 },
  { name: 'redis-server', cgroup: '/system.slice/redis-server.service', uid: 112 },
] as const;

/**
 * `ss -Htlnpe` of `sockets` listeners, as iproute2 6.x prints it: right-aligned local column,
 * users:(("name",pid=N,fd=N),...) with one to four processes (prefork servers), the -e bag
 * (uid: only when not root, ino:, sk:, cgroup:, v6only: for IPv6) and the trailing `<->`.
 */
export function ssText(sockets: number, seed = 1): string {
  const rng = random(seed);
  const lines: string[] = [];
  for (let i = 0; i < sockets; i++) {
    const service = pick(rng, SERVICES);
    const port = 1024 + (i % 64000);
    const kind = rng();
    let local: string;
    let peer: string;
    let v6only = '';
    if (kind < 0.4) [local, peer] = [`${pick(rng, HOST_V4)}:${port}`, '0.0.0.0:*'];
    else if (kind < 0.5) [local, peer] = [`0.0.0.0:${port}`, '0.0.0.0:*'];
    else if (kind < 0.55) [local, peer] = [`127.0.0.53%lo:${port}`, '0.0.0.0:*'];
    else if (kind < 0.6) [local, peer] = [`127.0.0.1:${port}`, '0.0.0.0:*'];
    else if (kind < 0.8) [local, peer, v6only] = [`[${pick(rng, HOST_V6)}]:${port}`, '[::]:*', ' v6only:1'];
    else if (kind < 0.9) [local, peer, v6only] = [`*:${port}`, '*:*', ' v6only:0'];
    else if (kind < 0.95) [local, peer, v6only] = [`[::]:${port}`, '[::]:*', ' v6only:1'];
    else [local, peer, v6only] = [`[::ffff:${pick(rng, HOST_V4)}]:${port}`, '*:*', ' v6only:0'];
    const workers = rng() < 0.8 ? 1 : int(rng, 2, 4);
    const pid = int(rng, 300, 4_000_000);
    const fd = int(rng, 3, 300);
    const users = Array.from({ length: workers }, (_, w) => `("${service.name}",pid=${pid + w},fd=${fd})`).join(',');
    const uid = service.uid === 0 ? '' : ` uid:${service.uid}`;
    const recvQ = rng() < 0.02 ? int(rng, 1, 50) : 0;
    const sendQ = pick(rng, [128, 511, 4096, 244]);
    const sk = (i + 0x1000).toString(16);
    lines.push(`LISTEN ${String(recvQ).padEnd(6)} ${String(sendQ).padEnd(6)} ${local.padStart(40)} ${peer.padStart(9)} users:(${users})${uid} ino:${1_000_000 + i} sk:${sk} cgroup:${service.cgroup}${v6only} <->`);
  }
  return `${lines.join('\n')}\n`;
}

const PROC_HEADER_4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const PROC_HEADER_6 = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

/** 32-bit words as /proc/net/tcp{,6} prints them on a little-endian host: each word's bytes reversed. */
function procWords(words: readonly number[]): string {
  return words.map((w) => hex((((w & 255) << 24) | (((w >>> 8) & 255) << 16) | (((w >>> 16) & 255) << 8) | (w >>> 24)) >>> 0, 8)).join('');
}

const v4Word = (text: string) => text.split('.').reduce((w, part) => ((w << 8) | Number(part)) >>> 0, 0);

function v6Words(text: string): number[] {
  const [head = '', tail = ''] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return [0, 2, 4, 6].map((i) => ((all[i]! << 16) | all[i + 1]!) >>> 0);
}

/** The local and remote address pools of one generated table, in /proc form. */
function procAddresses(rng: Rng, family: 4 | 6): { host: string[]; any: string; clients: string[] } {
  if (family === 4) {
    return {
      host: [...HOST_V4, '127.0.0.1'].map((a) => procWords([v4Word(a)])),
      any: procWords([0]),
      clients: Array.from({ length: CLIENTS }, () => procWords([v4Word(v4(rng))])),
    };
  }
  const mapped = (a: string) => procWords([0, 0, 0xffff, v4Word(a)]);
  return {
    host: [...HOST_V6.map((a) => procWords(v6Words(a))), procWords([0, 0, 0, 1]), ...HOST_V4.map(mapped)],
    any: procWords([0, 0, 0, 0]),
    clients: Array.from({ length: CLIENTS }, () => (rng() < 0.3 ? mapped(v4(rng)) : procWords(v6Words(`2001:2:0:${int(rng, 0, 0xffff).toString(16)}::${int(rng, 1, 0xffff).toString(16)}`)))),
  };
}

/**
 * /proc/net/tcp (or tcp6 with `family` 6) of `sockets` sockets: mostly ESTABLISHED, some LISTEN,
 * TIME_WAIT (shorter lines, as the kernel prints them) and CLOSE_WAIT, with queues and timers set,
 * padded with trailing spaces like the kernel pads the IPv4 file.
 */
export function procNetTcpText(sockets: number, family: 4 | 6 = 4, seed = 2): string {
  const rng = random(seed);
  const addresses = procAddresses(rng, family);
  const lines = [family === 4 ? PROC_HEADER_4.padEnd(149) : PROC_HEADER_6];
  for (let i = 0; i < sockets; i++) {
    const roll = rng();
    const state = roll < 0.1 ? '0A' : roll < 0.8 ? '01' : roll < 0.95 ? '06' : '08';
    const listen = state === '0A';
    const local = `${listen && rng() < 0.3 ? addresses.any : pick(rng, addresses.host)}:${hex(listen ? int(rng, 1, 1023) : int(rng, 32768, 60999), 4)}`;
    const remote = listen ? `${addresses.any}:0000` : `${pick(rng, addresses.clients)}:${hex(int(rng, 1, 65535), 4)}`;
    const sl = String(i).padStart(4);
    if (state === '06') {
      lines.push(`${sl}: ${local} ${remote} 06 00000000:00000000 03:${hex(int(rng, 0, 6000), 8)} 00000000     0        0 0 3 0000000000000000`);
      continue;
    }
    const tx = state === '01' && rng() < 0.1 ? int(rng, 1, 65535) : 0;
    const rx = rng() < 0.05 ? int(rng, 1, 4096) : 0;
    const uid = String(pick(rng, [0, 33, 112, 116, 997, 1000])).padStart(5);
    const line = `${sl}: ${local} ${remote} ${state} ${hex(tx, 8)}:${hex(rx, 8)} 00:00000000 00000000 ${uid}        0 ${2_000_000 + i} ${listen ? 1 : 2} ${hex(int(rng, 0, 0xffffffff) >>> 0, 16).toLowerCase()} ${listen ? 100 : 20} 4 ${listen ? 0 : 30} 10 ${listen ? 0 : -1}`;
    lines.push(family === 4 ? line.padEnd(149) : line);
  }
  return `${lines.join('\n')}\n`;
}

interface Chain {
  name: string;
  policy: string;
}

/**
 * `iptables-save -c` with `rules` rules over raw, filter and nat, shaped like a Kubernetes node with
 * fail2ban and a hand-written INPUT chain: counters on every line, declared user chains, matches
 * (conntrack, multiport, tcp, addrtype, comment, set, limit), comments with spaces and escaped
 * quotes, negations, LOG prefixes, and ACCEPT / DROP / REJECT / DNAT / jump / goto / RETURN.
 */
export function iptablesSaveText(rules: number, seed = 3): string {
  const rng = random(seed);
  const counters = () => (rng() < 0.6 ? '[0:0]' : `[${int(rng, 1, 5_000_000)}:${int(rng, 60, 900_000_000)}]`);
  const stamp = 'Tue Nov 24 04:12:22 2026';
  const out: string[] = [];

  const table = (name: string, chains: Chain[], body: string[]) => {
    out.push(`# Generated by iptables-save v1.8.9 (nf_tables) on ${stamp}`, `*${name}`);
    for (const c of chains) out.push(`:${c.name} ${c.policy} ${c.policy === '-' ? '[0:0]' : counters()}`);
    for (const line of body) out.push(`${counters()} ${line}`);
    out.push('COMMIT', `# Completed on ${stamp}`);
  };

  // raw: a handful of NOTRACK rules.
  const raw = ['-A PREROUTING -i lo -j CT --notrack', '-A OUTPUT -o lo -j CT --notrack'];
  table('raw', [{ name: 'PREROUTING', policy: 'ACCEPT' }, { name: 'OUTPUT', policy: 'ACCEPT' }], raw);

  // nat: one KUBE-SVC chain per service, one or two KUBE-SEP endpoints each (about 30% of the rules).
  const natRules = Math.floor(rules * 0.3);
  const natChains: Chain[] = ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'].map((name) => ({ name, policy: 'ACCEPT' }));
  natChains.push({ name: 'KUBE-SERVICES', policy: '-' }, { name: 'KUBE-POSTROUTING', policy: '-' }, { name: 'KUBE-MARK-MASQ', policy: '-' });
  const nat = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MASQUERADE --random-fully',
  ];
  for (let s = 0; nat.length + 4 <= natRules; s++) {
    const svc = `KUBE-SVC-${hex(s * 2654435761 >>> 0, 8)}${hex(s, 8)}`;
    const sep = `KUBE-SEP-${hex((s * 40503) >>> 0, 8)}${hex(s, 8)}`;
    natChains.push({ name: svc, policy: '-' }, { name: sep, policy: '-' });
    const port = pick(rng, [80, 443, 8080, 5432, 6379, 9090]);
    const comment = `ns-${s % 40}/svc-${s}:${port === 443 ? 'https' : 'http'}`;
    nat.push(
      `-A KUBE-SERVICES -d 198.19.${(s >> 8) & 255}.${s & 255}/32 -p tcp -m comment --comment "${comment} cluster IP" -m tcp --dport ${port} -j ${svc}`,
      `-A ${svc} ! -s 198.18.0.0/16 -d 198.19.${(s >> 8) & 255}.${s & 255}/32 -p tcp -m comment --comment "${comment} cluster IP" -m tcp --dport ${port} -j KUBE-MARK-MASQ`,
      `-A ${svc} -m comment --comment "${comment} -> 198.18.${s & 255}.7:${port}" -j ${sep}`,
      `-A ${sep} -p tcp -m comment --comment "${comment}" -m tcp -j DNAT --to-destination 198.18.${s & 255}.7:${port}`,
    );
  }

  // filter: the rest, listed chain by chain as iptables-save does.
  const filterChains: Chain[] = [
    { name: 'INPUT', policy: 'DROP' }, { name: 'FORWARD', policy: 'DROP' }, { name: 'OUTPUT', policy: 'ACCEPT' },
    { name: 'KUBE-FIREWALL', policy: '-' }, { name: 'KUBE-EXTERNAL-SERVICES', policy: '-' }, { name: 'LAB-WEB', policy: '-' },
    { name: 'LOG-DROP', policy: '-' }, { name: 'f2b-sshd', policy: '-' },
  ];
  const byChain = new Map<string, string[]>(filterChains.map((c) => [c.name, []]));
  const add = (chain: string, rest: string) => byChain.get(chain)!.push(`-A ${chain} ${rest}`);
  add('INPUT', '-i lo -j ACCEPT');
  add('INPUT', '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  add('INPUT', '-m conntrack --ctstate INVALID -j DROP');
  add('INPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES');
  add('INPUT', '-p tcp -m multiport --dports 22 -j f2b-sshd');
  add('INPUT', '-p tcp -m multiport --dports 80,443,8000:8010 -m comment --comment "web \\"front\\" ports" -j LAB-WEB');
  add('INPUT', '-j KUBE-FIREWALL');
  add('LOG-DROP', '-m limit --limit 5/min -j LOG --log-prefix "iptables denied: " --log-level 7');
  add('LOG-DROP', '-j DROP');
  const filterRules = rules - raw.length - nat.length - 1; // - the final f2b RETURN
  for (let n = 9; n < filterRules; n++) {
    const roll = rng();
    if (roll < 0.4) {
      add('f2b-sshd', `-s ${v4(rng)}/32 -j REJECT --reject-with icmp-port-unreachable`);
    } else if (roll < 0.6) {
      const port = int(rng, 30000, 32767);
      add('KUBE-EXTERNAL-SERVICES', `-p tcp -m comment --comment "ns-${port % 40}/svc-${port}:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport ${port} -j REJECT --reject-with icmp-port-unreachable`);
    } else if (roll < 0.75) {
      add('LAB-WEB', `-s ${v4(rng)}/${pick(rng, [24, 28, 32])} -i ${pick(rng, ['eth0', 'ens3', 'bond0'])} -p tcp -m tcp --dport ${int(rng, 1024, 65535)} -m comment --comment "tenant ${int(rng, 1, 999)} allow" -j ACCEPT`);
    } else if (roll < 0.85) {
      add('INPUT', `-p tcp -m tcp --dport ${int(rng, 1024, 65535)} -j ${pick(rng, ['DROP', 'ACCEPT', 'REJECT --reject-with tcp-reset', 'REJECT --reject-with icmp-host-prohibited'])}`);
    } else if (roll < 0.92) {
      add('KUBE-FIREWALL', '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
    } else if (roll < 0.97) {
      add('FORWARD', `-s ${v4(rng)}/24 -d 198.18.${int(rng, 0, 255)}.0/24 -m set --match-set tenants src -m state --state NEW -g LOG-DROP`);
    } else {
      add('OUTPUT', '-p udp -m udp --dport 53 -m comment --comment "dns to 198.18.0.53" -j ACCEPT');
    }
  }
  add('f2b-sshd', '-j RETURN');
  const filter = filterChains.flatMap((c) => byChain.get(c.name)!);
  table('filter', filterChains, filter);
  table('nat', natChains, nat);
  return `${out.join('\n')}\n`;
}
