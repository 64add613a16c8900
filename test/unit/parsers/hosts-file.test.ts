import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostsFileAddresses, parseHostsFile } from '../../../shared/common/parsers/hosts-file';

const HOSTS = readFileSync(new URL('../../fixtures/hosts/hosts-docker-style-with-overrides.txt', import.meta.url), 'utf8');

describe('parseHostsFile', () => {
  it('parses the fixture: tabs, comments, inline comments, multiple names, IPv6, zone ids', () => {
    expect(parseHostsFile(HOSTS).map((e) => [e.line, e.address, e.names.join(' ')])).toEqual([
      [2, '127.0.0.1', 'localhost'],
      [3, '::1', 'localhost ip6-localhost ip6-loopback'],
      [4, 'fe00::', 'ip6-localnet'],
      [5, 'ff00::', 'ip6-mcastprefix'],
      [6, 'ff02::1', 'ip6-allnodes'],
      [7, 'ff02::2', 'ip6-allrouters'],
      [10, '10.0.2.5', 'db.corp.example db'],
      [11, '10.0.2.6', 'db.corp.example'],
      [12, 'fe80::1', 'router.lan'],
    ]);
  });

  it('gives the same entries for CRLF text (a Windows hosts file)', () => {
    expect(parseHostsFile(HOSTS.replace(/\n/g, '\r\n'))).toEqual(parseHostsFile(HOSTS));
    expect(parseHostsFile('127.0.0.1 a\r\n10.0.0.1 b\r\n')).toEqual([
      { address: '127.0.0.1', names: ['a'], line: 1 },
      { address: '10.0.0.1', names: ['b'], line: 2 },
    ]);
  });

  it('skips lines without names, comments and blank lines', () => {
    expect(parseHostsFile('# only a comment\n\n   \n192.0.2.10\n192.0.2.11   # comment only\njustaname\n')).toEqual([]);
  });

  it('skips lines whose first field is not an IP address', () => {
    // Swapped columns and impossible addresses are malformed lines: the file comment promises they are skipped.
    expect(parseHostsFile('db.corp.example 10.0.2.7\n999.1.1.1 bogus\nab.cd.ef gone\n')).toEqual([]);
  });
});

describe('hostsFileAddresses', () => {
  const entries = parseHostsFile(HOSTS);
  it('returns every address for a name, in file order, case-insensitively', () => {
    expect(hostsFileAddresses(entries, 'db.corp.example')).toEqual(['10.0.2.5', '10.0.2.6']);
    expect(hostsFileAddresses(entries, 'DB.Corp.Example.')).toEqual(['10.0.2.5', '10.0.2.6']);
    expect(hostsFileAddresses(entries, 'localhost')).toEqual(['127.0.0.1', '::1']);
    expect(hostsFileAddresses(entries, 'db')).toEqual(['10.0.2.5']);
    expect(hostsFileAddresses(entries, 'router.lan')).toEqual(['fe80::1']);
  });
  it('returns nothing for names that are absent or only commented out', () => {
    expect(hostsFileAddresses(entries, 'commented.example')).toEqual([]);
    expect(hostsFileAddresses(entries, 'corp.example')).toEqual([]);
  });
  it('returns IPv6 addresses in canonical form, as getaddrinfo prints them (resolveTarget compares the two as strings)', () => {
    expect(hostsFileAddresses(entries, 'ip6-localnet')).toEqual(['fe00::']);
  });
});
