import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProcNetTcp, parseProcNetTcpListeners, procListeners, type ProcTcpSocket } from '../../../shared/common/parsers/proc-net-tcp';
import { Listener } from '../../../shared/common/schema/listener';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/proc-net-tcp/${name}`, import.meta.url), 'utf8');
const TCP = fixture('tcp-listen-127.0.0.1-0.0.0.0-and-established.txt');
const TCP6 = fixture('tcp6-listen-loopback-wildcard-v6only-dualstack-and-v4mapped.txt');

function sockets(text: string, endianness: 'little' | 'big' = 'little'): ProcTcpSocket[] {
  const r = parseProcNetTcp(text, endianness);
  if (!r.ok) throw new Error(`parse failed: ${r.error.message}`);
  return r.value;
}

const HEADER4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const HEADER6 =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

describe('parseProcNetTcp on real /proc/net/tcp (Linux 6.18, x86_64)', () => {
  it('decodes every socket, listeners and established alike', () => {
    const all = sockets(TCP);
    expect(all.map((s) => [s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.state])).toEqual([
      ['0.0.0.0', 47013, '0.0.0.0', 0, 'LISTEN'],
      ['127.0.0.1', 47011, '0.0.0.0', 0, 'LISTEN'],
      ['0.0.0.0', 2024, '0.0.0.0', 0, 'LISTEN'],
      ['127.0.0.1', 50150, '127.0.0.1', 47011, 'ESTABLISHED'],
      ['127.0.0.1', 47011, '127.0.0.1', 50150, 'ESTABLISHED'],
      ['127.0.0.1', 39346, '127.0.0.1', 47015, 'ESTABLISHED'],
    ]);
    expect(all[0]).toMatchObject({ uid: 0, inode: 16162, rxQueue: 0 });
    expect(all[2]?.inode).toBe(126);
  });

  it('procListeners keeps only LISTEN sockets, as valid Listener records', () => {
    const listeners = procListeners(sockets(TCP));
    expect(listeners.map((l) => `${l.address}:${l.port}/${l.family}`)).toEqual(['0.0.0.0:47013/4', '127.0.0.1:47011/4', '0.0.0.0:2024/4']);
    for (const l of listeners) {
      expect(Listener.parse(l)).toEqual(l);
      expect(l).toMatchObject({ v6only: null, device: null, processes: [] });
    }
  });
});

describe('parseProcNetTcpListeners: the listeners alone, every line still read', () => {
  it('gives the LISTEN sockets procListeners gives, for both files and both byte orders', () => {
    for (const text of [TCP, TCP6]) {
      for (const endianness of ['little', 'big'] as const) {
        expect(parseProcNetTcpListeners(text, endianness)).toEqual({ ok: true, value: { listeners: procListeners(sockets(text, endianness)), others: 0 } });
      }
    }
  });

  it('with a port, keeps that port\'s listeners and counts the rest (connections are not listeners)', () => {
    expect(parseProcNetTcpListeners(TCP, 'little', 47011)).toEqual({ ok: true, value: { listeners: procListeners(sockets(TCP)).filter((l) => l.port === 47011), others: 2 } });
    // 47015 is only a connection's remote port: nothing listens on it.
    expect(parseProcNetTcpListeners(TCP, 'little', 47015)).toEqual({ ok: true, value: { listeners: [], others: 3 } });
  });

  it('a line it cannot read fails the parse as parseProcNetTcp fails it, on any port and in any state', () => {
    const established = '   9: 0100007F:C3E6 0100007F:B7BB 01 00000000:00000000 00:00000000 00000000     0        0 16163 1 0000000000000000 20 4 30 10 -1';
    for (const bad of [established.replace('0100007F:B7BB', '0100007G:B7BB'), established.replace('0100007F:C3E6', '0100\u0010007:C3E6'), established.replace(' 01 ', ' 1 ')]) {
      const text = `${HEADER4}\n${bad}\n`;
      const whole = parseProcNetTcp(text);
      expect(whole.ok).toBe(false);
      expect(parseProcNetTcpListeners(text, 'little', 80)).toEqual(whole);
      expect(parseProcNetTcpListeners(text)).toEqual(whole);
    }
  });
});

describe('parseProcNetTcp on real /proc/net/tcp6', () => {
  it('accepts the tcp6 header (remote_address) and decodes word-swapped IPv6', () => {
    const all = sockets(TCP6);
    expect(all.map((s) => [s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.state])).toEqual([
      ['::', 47014, '::', 0, 'LISTEN'],
      ['::', 47015, '::', 0, 'LISTEN'],
      ['::1', 47012, '::', 0, 'LISTEN'],
      ['::ffff:127.0.0.1', 47015, '::ffff:127.0.0.1', 39346, 'ESTABLISHED'],
    ]);
  });

  it('cannot tell a v6only :: from a dual-stack :: (both v6only null), as the catalog warns', () => {
    const listeners = procListeners(sockets(TCP6));
    expect(listeners).toHaveLength(3);
    const wild = listeners.filter((l) => l.address === '::');
    expect(wild.map((l) => l.port).sort()).toEqual([47014, 47015]);
    expect(wild.every((l) => l.v6only === null && l.family === 6)).toBe(true);
    expect(listeners.find((l) => l.port === 47012)).toMatchObject({ address: '::1', family: 6, inode: 16161 });
  });
});

describe('parseProcNetTcp: hand-made lines', () => {
  it('decodes the catalog §2.3 example line (little-endian)', () => {
    const text = `${HEADER4}\n   2: 0100007F:B79C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 29495 1 0000000000000000 100 0 0 10 0\n`;
    expect(sockets(text)).toEqual([
      { localAddress: '127.0.0.1', localPort: 47004, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTEN', rxQueue: 0, uid: 0, inode: 29495 },
    ]);
  });

  it('decodes the catalog §2.3 values on a big-endian host', () => {
    const text = [
      HEADER4,
      '   0: 7F000001:1538 00000000:0000 0A 00000000:00000003 00:00000000 00000000    26        0 1001 1',
      '   1: 0A000205:0016 0A000201:C000 01 00000000:00000000 00:00000000 00000000   999        0 1002 1',
      '   2: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1003 1',
    ].join('\n');
    expect(sockets(text, 'big').map((s) => [s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.state, s.rxQueue, s.uid])).toEqual([
      ['127.0.0.1', 5432, '0.0.0.0', 0, 'LISTEN', 3, 26],
      ['10.0.2.5', 22, '10.0.2.1', 49152, 'ESTABLISHED', 0, 999],
      ['0.0.0.0', 443, '0.0.0.0', 0, 'LISTEN', 0, 0],
    ]);
    const text6 = [
      HEADER6,
      '   0: 00000000000000000000000000000001:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1',
      '   1: 00000000000000000000FFFF7F000001:1538 00000000000000000000FFFF7F000001:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2002 1',
      '   2: 20010DB8000000000000000000000001:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2003 1',
    ].join('\n');
    expect(sockets(text6, 'big').map((s) => `${s.localAddress}|${s.remoteAddress}`)).toEqual(['::1|::', '::ffff:127.0.0.1|::ffff:127.0.0.1', '2001:db8::1|::']);
  });

  it('the same bytes read with the wrong endianness give a different address (endianness matters)', () => {
    const text = `${HEADER4}\n   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1`;
    expect(sockets(text, 'big')[0]?.localAddress).toBe('1.0.0.127');
    expect(sockets(text, 'little')[0]?.localAddress).toBe('127.0.0.1');
  });

  it('decodes every state code and the accept-queue length', () => {
    const codes = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '0A', '0B', '0C', '0D'];
    const text = [HEADER4, ...codes.map((st, i) => `${i}: 0100007F:0016 00000000:0000 ${st} 00000000:0000001F 00:00000000 00000000 0 0 ${i} 1`)].join('\n');
    const all = sockets(text);
    expect(all.map((s) => s.state)).toEqual([
      'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE',
      'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV', 'UNKNOWN',
    ]);
    expect(all[9]?.rxQueue).toBe(31);
  });

  it('accepts CRLF line endings, a header-only table and extra trailing fields', () => {
    expect(sockets(`${HEADER4}\n`)).toEqual([]);
    const crlf = `${HEADER4}\r\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7 1 ffff 100 0 0 10 0 extra\r\n`;
    expect(sockets(crlf)).toHaveLength(1);
  });
});

describe('parseProcNetTcp: malformed input is a typed error, never a throw', () => {
  it.each([
    ['empty', '', 'not-proc-net-tcp', 1],
    ['other file', 'Inter-|   Receive                                                |  Transmit\n face |bytes', 'not-proc-net-tcp', 1],
    ['ss output', 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*', 'not-proc-net-tcp', 1],
    ['short line', `${HEADER4}\n   0: 0100007F:0016 00000000:0000 0A`, 'bad-line', 2],
    ['bad address', `${HEADER4}\n   0: 0100007G:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1`, 'bad-line', 2],
    ['6-digit address', `${HEADER4}\n   0: 00007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1`, 'bad-line', 2],
    ['bad port', `${HEADER4}\n   0: 0100007F:16 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1`, 'bad-line', 2],
    ['bad state', `${HEADER4}\n   0: 0100007F:0016 00000000:0000 XY 00000000:00000000 00:00000000 00000000 0 0 1 1`, 'bad-line', 2],
    ['no queues colon', `${HEADER4}\n   0: 0100007F:0016 00000000:0000 0A 00000000 00:00000000 00000000 0 0 1 1`, 'bad-line', 2],
    ['bad uid', `${HEADER4}\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 root 0 1 1`, 'bad-line', 2],
    ['bad inode', `${HEADER4}\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 -1 1`, 'bad-line', 2],
    ['third line', `${HEADER4}\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\ngarbage`, 'bad-line', 3],
  ])('%s', (_name, text, code, line) => {
    let result: ReturnType<typeof parseProcNetTcp> | undefined;
    expect(() => {
      result = parseProcNetTcp(text, 'little');
    }).not.toThrow();
    expect(result?.ok).toBe(false);
    if (result && !result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.line).toBe(line);
      expect(result.error.message).not.toBe('');
    }
  });

  it('never throws on arbitrary bytes after a valid header', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = '0123456789ABCDEFabcdef: \t\n\r-x%';
    for (let n = 0; n < 300; n++) {
      const body = Array.from({ length: Math.floor(rand() * 200) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      expect(() => parseProcNetTcp(`${HEADER6}\n${body}`, rand() < 0.5 ? 'little' : 'big')).not.toThrow();
    }
  });
});
