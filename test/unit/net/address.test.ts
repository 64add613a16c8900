import { describe, expect, it } from 'vitest';
import { formatIpv6Groups, isIpv4, isLoopbackAddress, normaliseIpv6 } from '../../../shared/common/net/address';

describe('isIpv4', () => {
  it.each(['0.0.0.0', '127.0.0.1', '255.255.255.255', '10.0.2.5'])('accepts %s', (a) => expect(isIpv4(a)).toBe(true));
  it.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4.', '', 'a.b.c.d', '1.2.3.-4', ' 1.2.3.4', '1.2.3.0x1'])('rejects %j', (a) =>
    expect(isIpv4(a)).toBe(false),
  );
});

describe('normaliseIpv6 (RFC 5952 canonical text)', () => {
  it.each([
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['1::', '1::'],
    // 4.1: leading zeros suppressed; 4.3: lower case
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    // 4.2.2: a single 16-bit 0 field is not shortened
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // 4.2.3: the longest run is shortened; on a tie, the first
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['fe80::0001', 'fe80::1'],
    // 5: v4-mapped in dotted form
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
    ['::FFFF:7f00:1', '::ffff:127.0.0.1'],
    ['0:0:0:0:0:ffff:c000:0280', '::ffff:192.0.2.128'],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseIpv6(input)).toBe(expected);
    // canonical text is a fixed point
    expect(normaliseIpv6(expected)).toBe(expected);
  });

  it.each([
    '',
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    ':1::',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '12345::1',
    '::g',
    'fe80::1%eth0',
    '127.0.0.1',
    '::ffff:256.0.0.1',
    '::ffff:1.2.3',
    '::ffff:1.2.3.4:5',
    '[::1]',
    ' ::1',
  ])('rejects %j', (input) => {
    expect(normaliseIpv6(input)).toBeNull();
  });

  it('formatIpv6Groups prints eight groups', () => {
    expect(formatIpv6Groups([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])).toBe('2001:db8::1');
    expect(formatIpv6Groups([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0205])).toBe('::ffff:10.0.2.5');
  });
});

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '::ffff:127.0.0.1'])('%s is loopback', (a) => expect(isLoopbackAddress(a)).toBe(true));
  it.each(['0.0.0.0', '::', '10.0.0.127', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'fe80::1', '192.0.2.2'])('%s is not loopback', (a) =>
    expect(isLoopbackAddress(a)).toBe(false),
  );
});
