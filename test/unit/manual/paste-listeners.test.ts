import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePaste, type PasteContext } from '../../../shared/common/manual/paste';
import { parseNetstatListeners } from '../../../shared/common/parsers/netstat';
import { parseProcNetTcp, procListeners } from '../../../shared/common/parsers/proc-net-tcp';
import { parseSsListeners } from '../../../shared/common/parsers/ss';
import { RemoteFacts } from '../../../shared/common/schema/remote';
import type { Listener } from '../../../shared/common/schema/listener';

// Real output: test/fixtures/{ss,netstat,proc-net-tcp}/README.md (netns pwparse, iproute2 6.1, net-tools 2.10, BusyBox 1.35).
const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const ctx = (port: number): PasteContext => ({ port, failing: [{ address: '198.18.0.2', family: 4 }], service: null });

function pasted(text: string, port: number) {
  const r = parsePaste('listeners', text, ctx(port));
  if (!r.ok) throw new Error(`paste failed: ${r.error.message}`);
  if (r.value.patch.kind !== 'listeners') throw new Error(`wrong patch kind ${r.value.patch.kind}`);
  return { ...r.value, listeners: r.value.patch.listeners };
}

function failed(text: string, port = 5432) {
  const r = parsePaste('listeners', text, ctx(port));
  if (r.ok) throw new Error(`expected an error, got ${r.value.summary}`);
  return r.error;
}

/** What the SSH path reads from the same text: the parser, then the port. */
function sshSs(text: string, port: number, family?: 4 | 6): Listener[] {
  const r = parseSsListeners(text, family ? { family } : {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value.filter((l) => l.port === port);
}

/** Lines of a fixture whose local address is on `port`: what `| grep :PORT` keeps. */
const grep = (text: string, port: number) => text.split('\n').filter((l) => l.includes(`:${port} `)).join('\n');

describe('parsePaste listeners: ss', () => {
  it('gives the same listeners as the SSH path for the same ss output, only on the port', () => {
    for (const port of [47113, 47104, 47109, 47114, 47115, 47120]) {
      expect(pasted(fixture('ss/ss-Htlnpe4.txt'), port).listeners.listeners).toEqual(sshSs(fixture('ss/ss-Htlnpe4.txt'), port, 4));
    }
    for (const port of [47102, 47103, 47106, 47110, 47121]) {
      expect(pasted(fixture('ss/ss-Htlnpe6.txt'), port).listeners.listeners).toEqual(sshSs(fixture('ss/ss-Htlnpe6.txt'), port, 6));
    }
  });

  it('reads families mixed in one table: [::] is v6-only, * dual-stack; the piece is a valid RemoteFacts listener table', () => {
    const both = pasted(fixture('ss/ss-Htlnpe.txt'), 47114);
    expect(both.listeners).toMatchObject({ status: 'ok', source: 'ss -tlnpe (pasted)', reason: null });
    expect(both.listeners.listeners.map((l) => [l.address, l.processes.map((p) => p.pid)])).toEqual([['0.0.0.0', [20864, 20853]]]);
    expect(both.format).toBe('ss -tlnpe');
    expect(RemoteFacts.shape.listeners.safeParse(both.listeners).success).toBe(true);
    const v6only = pasted(fixture('ss/ss-Htlnpe.txt'), 47102).listeners.listeners;
    const dual = pasted(fixture('ss/ss-Htlnpe.txt'), 47103).listeners.listeners;
    expect([v6only[0]?.address, v6only[0]?.v6only, dual[0]?.address, dual[0]?.v6only]).toEqual(['::', true, '::', false]);
  });

  it('drops the header, whatever it says, and skips other sockets (udp, ESTAB)', () => {
    expect(pasted(fixture('ss/ss-tlnpe-with-header.txt'), 47113).listeners.listeners).toEqual(sshSs(fixture('ss/ss-Htlnpe.txt'), 47113));
    expect(pasted(fixture('ss/ss-Htulnpe-netid-column.txt'), 47101).listeners.listeners.map((l) => l.address)).toEqual(['0.0.0.0']);
    expect(pasted(fixture('ss/ss-Htanpe-all-states.txt'), 47113).listeners.listeners).toHaveLength(1);
  });

  it('reads output cut down with `| grep :PORT` (no header), with the prompt and the command copied along', () => {
    const cut = grep(fixture('ss/ss-tlnpe-with-header.txt'), 47104);
    expect(cut.split('\n')).toHaveLength(1);
    const text = `root@pw-lab:~# ss -tlnpe | grep :47104\n${cut}\nroot@pw-lab:~# `;
    const p = pasted(text, 47104);
    expect(p.listeners.listeners).toEqual(sshSs(fixture('ss/ss-Htlnpe.txt'), 47104));
    expect(p.summary).toBe('1 listener on port 47104: 127.0.0.1:47104 pw-lab (ss -tlnpe, pasted)');
  });

  it('a table without the port is evidence: nothing listens there', () => {
    const p = pasted(fixture('ss/ss-tlnpe-with-header.txt'), 5432);
    expect(p.listeners).toEqual({ status: 'ok', source: 'ss -tlnpe (pasted)', listeners: [], reason: null });
    expect(p.summary).toBe('nothing listens on port 5432 (20 listeners on other ports) (ss -tlnpe, pasted)');
    // The header alone (`ss -tlnp 'sport = :5432'` with nothing listening) says the same.
    const header = fixture('ss/ss-tlnpe-with-header.txt').split('\n')[0]!;
    expect(pasted(header, 5432).listeners.listeners).toEqual([]);
  });

  it('survives CRLF, colour codes and non-breaking spaces from a chat window', () => {
    const cut = grep(fixture('ss/ss-Htlnpe.txt'), 47118).replace(/ {2}/g, ' \u00a0');
    const text = `\u001b[1mState\u001b[0m Recv-Q Send-Q Local Address:Port Peer Address:Port Process\r\n${cut}\r\n`;
    expect(pasted(text, 47118).listeners.listeners).toEqual(sshSs(fixture('ss/ss-Htlnpe.txt'), 47118));
  });

  it('names the line that cannot be read, in the paste\'s own numbering', () => {
    // Hand-made: ss without -n prints service names.
    const e = failed('$ ss -tlp\nState Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 128 0.0.0.0:ssh 0.0.0.0:*\n');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^Line 3: port "ssh" is not a number \(run ss with -n\)/);
  });
});

describe('parsePaste listeners: netstat', () => {
  const netstat = (text: string, port: number) => {
    const r = parseNetstatListeners(text);
    if (!r.ok) throw new Error(r.error.message);
    return r.value.filter((l) => l.port === port);
  };

  it('net-tools -tlnpW: the same listeners as the parser, with programs', () => {
    const p = pasted(fixture('netstat/net-tools-netstat-tlnpW.txt'), 47113);
    expect(p.listeners.listeners).toEqual(netstat(fixture('netstat/net-tools-netstat-tlnpW.txt'), 47113));
    expect(p.listeners.listeners[0]?.processes).toEqual([{ pid: 20844, name: 'pw lab: main' }]);
    expect([p.format, p.listeners.source]).toEqual(['netstat -tlnp', 'netstat -tlnp (pasted)']);
  });

  it('BusyBox -tln, and net-tools as nobody with its stderr note pasted first', () => {
    const busybox = pasted(fixture('netstat/busybox-netstat-tln.txt'), 47106);
    expect(busybox.format).toBe('netstat -tln');
    expect(busybox.listeners.listeners.map((l) => [l.address, l.family])).toEqual([['::ffff:127.0.0.1', 6]]);
    const nobody = pasted(fixture('netstat/net-tools-netstat-tlnpW-as-nobody.stderr.txt') + fixture('netstat/net-tools-netstat-tlnpW-as-nobody.txt'), 47101);
    expect(nobody.listeners.listeners).toEqual(netstat(fixture('netstat/net-tools-netstat-tlnpW-as-nobody.txt'), 47101));
    expect(nobody.listeners.listeners[0]?.processes).toEqual([]);
  });

  it('headerless `| grep :PORT` output gets its header back', () => {
    const cut = grep(fixture('netstat/net-tools-netstat-tlnpW.txt'), 47105);
    expect(cut).not.toMatch(/Proto/);
    expect(pasted(cut, 47105).listeners.listeners).toEqual(netstat(fixture('netstat/net-tools-netstat-tlnpW.txt'), 47105));
  });

  it('BusyBox refusing -p is told as such', () => {
    const e = failed(fixture('netstat/busybox-netstat-tlnp-unsupported.txt'));
    expect(e.message).toMatch(/^The command does not take these options on this server \("netstat: invalid option -- 'p'"; BusyBox/);
    expect(e.line).toBe(1);
  });
});

describe('parsePaste listeners: /proc/net/tcp', () => {
  const proc = (text: string, port: number) => {
    const r = parseProcNetTcp(text);
    if (!r.ok) throw new Error(r.error.message);
    return procListeners(r.value).filter((l) => l.port === port);
  };
  const tcp = fixture('proc-net-tcp/tcp-listen-127.0.0.1-0.0.0.0-and-established.txt');
  const tcp6 = fixture('proc-net-tcp/tcp6-listen-loopback-wildcard-v6only-dualstack-and-v4mapped.txt');

  it('`cat /proc/net/tcp /proc/net/tcp6`: both files, each with its header', () => {
    const both = `${tcp}${tcp6}`;
    expect(pasted(both, 47011).listeners.listeners).toEqual(proc(tcp, 47011));
    const p = pasted(both, 47015);
    expect(p.listeners.listeners).toEqual(proc(tcp6, 47015));
    expect(p.listeners.listeners.map((l) => [l.address, l.family, l.v6only])).toEqual([['::', 6, null]]);
    expect(p.format).toBe('/proc/net/tcp + /proc/net/tcp6');
  });

  it('IPv6 disabled: cat complains about tcp6, the rest is read', () => {
    const p = pasted(`${tcp}cat: /proc/net/tcp6: No such file or directory\n`, 47013);
    expect(p.listeners.listeners).toEqual(proc(tcp, 47013));
    expect(p.format).toBe('/proc/net/tcp');
  });

  it('lines without a header (grep) are read too', () => {
    const lines = tcp6.split('\n').slice(1, 3).join('\n');
    expect(pasted(lines, 47014).listeners.listeners).toEqual(proc(tcp6, 47014));
  });
});

describe('parsePaste listeners: what is not a listener table', () => {
  it('an empty paste says what to run, and how to show that nothing listens', () => {
    for (const text of ['', '   \n\n\t', 'root@db:~# ss -Htlnp \'sport = :5432\'\nroot@db:~# ']) {
      const e = failed(text);
      expect(e.message).toMatch(/^The paste is empty: paste the output of `sudo ss -tlnp`/);
      expect(e.message).toContain("'sport = :5432'");
    }
  });

  it('firewall rules pasted where listeners were asked', () => {
    const e = failed(fixture('firewall/iptables-save/sequence/00-initial/iptables-nft-save-c.txt'));
    expect(e.message).toBe(
      'This looks like the output of `iptables-save` (the firewall rules), but this step asks for the listening sockets: paste the output of `sudo ss -tlnp` (or `netstat -tlnp`, or `cat /proc/net/tcp /proc/net/tcp6`).',
    );
  });

  it('the shell\'s and the tool\'s own complaints', () => {
    expect(failed('-bash: ss: command not found\n').message).toMatch(/^That command is not installed on the server \("-bash: ss: command not found"\): paste the output of `sudo ss -tlnp`/);
    expect(failed('cat: /proc/net/tcp: Permission denied').message).toMatch(/^The command needs root on the server/);
    expect(failed('sudo: a password is required').message).toMatch(/^The command needs root on the server/);
  });

  it('anything else names its first line', () => {
    const e = failed('\n\nhello world\nsecond line');
    expect(e).toEqual({ kind: 'listeners', line: 3, message: expect.stringMatching(/^This is not the output of `sudo ss -tlnp`.*\(line 3: "hello world"\)\.$/) });
  });
});
