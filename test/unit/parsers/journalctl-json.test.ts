import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchSignatureLines, matchSignatures, parseJournalJson, signaturesOf, type JournalEntry, type JournalSignature } from '../../../shared/common/parsers/journalctl-json';
import { LogSignature } from '../../../shared/common/schema/remote';

// Real `journalctl -o json` output of systemd 252 (Debian 12) in the nspawn lab; see test/fixtures/systemd/README.md.
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/systemd/${name}`, import.meta.url), 'utf8');

const typed = (e: JournalEntry) => [e.line, e.unit, e.subjectUnit, e.identifier, e.pid, e.priority, e.transport, e.message];

describe('parseJournalJson on real journalctl output', () => {
  it('healthy nginx: systemd\'s own lines, every field typed', () => {
    const j = parseJournalJson(fixture('journalctl-nginx-healthy.jsonl'));
    expect(j).toMatchObject({ malformed: 0, partial: false, noJournal: false });
    expect(j.entries.map(typed)).toEqual([
      [1, 'init.scope', 'nginx.service', 'systemd', 1, 6, 'journal', 'Starting nginx.service - A high performance web server and a reverse proxy server...'],
      [2, 'init.scope', 'nginx.service', 'systemd', 1, 6, 'journal', 'Started nginx.service - A high performance web server and a reverse proxy server.'],
    ]);
    const first = j.entries[0]!;
    expect(first.fields.__REALTIME_TIMESTAMP).toBe('1795494340927138');
    expect(first.realtimeMs).toBe(1795494340927);
    expect(new Date(first.realtimeMs!).toISOString()).toBe('2026-11-24T04:25:40.927Z');
    expect(first.fields._HOSTNAME).toBe('pw-lab-server');
    expect(Object.keys(first.fields)).toHaveLength(32);
    expect(matchSignatures(j.entries)).toEqual([]);
  });

  it('broken nginx config: the [emerg] line comes from nginx via stdout, at PRIORITY 6 (not emerg)', () => {
    const j = parseJournalJson(fixture('journalctl-nginx-bad-config.jsonl'));
    expect(j.entries).toHaveLength(11);
    expect(typed(j.entries[6]!)).toEqual([7, 'nginx.service', null, 'nginx', 110, 6, 'stdout', '2026/11/24 04:25:44 [emerg] 110#110: unknown directive "bogus_directive" in /etc/nginx/conf.d/broken.conf:1']);
    expect(j.entries[6]!.fields._CMDLINE).toBe('/usr/sbin/nginx -t -q -g "daemon on; master_process on;"');
    expect(j.entries.slice(8).map(typed)).toEqual([
      [9, 'init.scope', 'nginx.service', 'systemd', 1, 5, 'journal', 'nginx.service: Control process exited, code=exited, status=1/FAILURE'],
      [10, 'init.scope', 'nginx.service', 'systemd', 1, 4, 'journal', "nginx.service: Failed with result 'exit-code'."],
      [11, 'init.scope', 'nginx.service', 'systemd', 1, 3, 'journal', 'Failed to start nginx.service - A high performance web server and a reverse proxy server.'],
    ]);
    expect(matchSignatures(j.entries)).toEqual([]);
  });

  it('port conflict: five bind() retries match port-in-use, nothing else matches', () => {
    const j = parseJournalJson(fixture('journalctl-nginx-port-conflict.jsonl'));
    expect(j.entries).toHaveLength(26);
    const hits = matchSignatures(j.entries);
    expect(hits.map((h) => [h.signature, h.entry.line, h.entry.pid])).toEqual([
      ['port-in-use', 18, 166],
      ['port-in-use', 19, 166],
      ['port-in-use', 20, 166],
      ['port-in-use', 21, 166],
      ['port-in-use', 22, 166],
    ]);
    expect(hits[0]!.entry.message).toBe('nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)');
    expect(j.entries[22]!.message).toBe('nginx: [emerg] still could not bind()');
  });

  it('crash loop: five scheduled restarts, then "Start request repeated too quickly" (start-limit)', () => {
    const j = parseJournalJson(fixture('journalctl-crashloop.jsonl'));
    expect(j.entries).toHaveLength(28);
    expect(j.entries.filter((e) => /Scheduled restart job, restart counter is at \d+\.$/.test(e.message ?? '')).map((e) => e.message!.slice(-2))).toEqual(['1.', '2.', '3.', '4.', '5.']);
    expect(matchSignatures(j.entries).map((h) => [h.signature, h.entry.line, h.entry.message, h.entry.priority])).toEqual([
      ['start-limit', 26, 'crashloop.service: Start request repeated too quickly.', 4],
    ]);
    expect(j.entries[26]!.message).toBe("crashloop.service: Failed with result 'exit-code'.");
  });

  it('start limit after successful runs: both the "repeated" line and the start-limit-hit result match', () => {
    const j = parseJournalJson(fixture('journalctl-startlimit.jsonl'));
    expect(matchSignatures(j.entries).map((h) => [h.signature, h.entry.line, h.entry.message])).toEqual([
      ['start-limit', 21, 'startlimit.service: Start request repeated too quickly.'],
      ['start-limit', 22, "startlimit.service: Failed with result 'start-limit-hit'."],
    ]);
  });

  it('a MESSAGE with escapes and an invalid byte is a byte array: decoded as UTF-8 with U+FFFD; a repeated field is an array', () => {
    const j = parseJournalJson(fixture('journalctl-binary-and-repeated.jsonl'));
    expect(j.entries).toHaveLength(1);
    const e = j.entries[0]!;
    expect(e.message).toBe('colour \u001b[31mred\u001b[0m and bad \ufffd byte');
    expect(e.fields.MESSAGE).toBe(e.message);
    expect(e.fields.PORTWISE_TAG).toEqual(['one', 'two']);
    expect(typed(e)).toEqual([1, 'ssh.service', null, 'pwtest', 423, 3, 'journal', e.message]);
    expect(e.realtimeMs).toBe(1795494364756);
  });

  it('a user outside adm/systemd-journal with -o json: only its own lines, and no hint (json implies -q)', () => {
    const j = parseJournalJson(fixture('journalctl-nonroot-json.txt'));
    expect(j).toMatchObject({ partial: false, malformed: 0, noJournal: false });
    expect(j.entries.map(typed)).toEqual([[1, 'ssh.service', null, 'pwuser-app', 385, 5, 'syslog', 'hello from pwuser']]);
    expect(j.entries[0]!.fields._UID).toBe('1000');
  });

  it('the same user in the default output mode: the hint marks the result partial; its other lines are not malformed', () => {
    const hint = fixture('journalctl-nonroot-n0-hint.txt');
    expect(parseJournalJson(hint)).toEqual({ entries: [], malformed: 0, partial: true, noJournal: false });
    const combined = parseJournalJson(fixture('journalctl-nonroot-json.txt') + hint);
    expect([combined.entries.length, combined.partial, combined.malformed]).toEqual([1, true, 0]);
  });
});

describe('parseJournalJson edge cases', () => {
  it('skips and counts malformed lines, keeps the good ones, never throws', () => {
    const text = [
      '{"MESSAGE":"ok 1","_PID":"7"}',
      '{"MESSAGE":"truncated',
      '[1,2,3]',
      '"just a string"',
      '42',
      'null',
      '{"MESSAGE":{"nested":true}}',
      '{"MESSAGE":["a",{"x":1}]}',
      '{"MESSAGE":true}',
      'plain text line',
      '{"MESSAGE":"ok 2"}',
    ].join('\n');
    const j = parseJournalJson(text);
    expect(j.entries.map((e) => [e.line, e.message, e.pid])).toEqual([[1, 'ok 1', 7], [11, 'ok 2', null]]);
    expect(j.malformed).toBe(9);
  });

  it('decodes repeated fields that mix strings, byte arrays and nulls (a value over 4096 bytes without --all)', () => {
    const j = parseJournalJson('{"MESSAGE":["first",[104,105],null],"BIG":null,"EMPTY":"","__REALTIME_TIMESTAMP":"1700000000123999"}\n');
    const e = j.entries[0]!;
    expect(e.fields.MESSAGE).toEqual(['first', 'hi', null]);
    expect(e.message).toBe('first');
    expect(e.fields.BIG).toBeNull();
    expect(e.fields.EMPTY).toBe('');
    expect(e.realtimeMs).toBe(1700000000123);
  });

  it('bytes that are not bytes become U+FFFD; overlong and truncated UTF-8 too', () => {
    const j = parseJournalJson('{"MESSAGE":[104,300,-1,1.5,105]}\n{"MESSAGE":[192,128,226,130]}\n');
    expect(j.entries.map((e) => e.message)).toEqual(['h\ufffd\ufffd\ufffdi', '\ufffd\ufffd\ufffd']);
  });

  it('non-numeric typed fields are null, not NaN', () => {
    const e = parseJournalJson('{"_PID":"abc","PRIORITY":"","__REALTIME_TIMESTAMP":"soon"}\n').entries[0]!;
    expect([e.pid, e.priority, e.realtimeMs, e.message, e.unit]).toEqual([null, null, null, null, null]);
  });

  it('recognises journalctl notices: no journal files, no entries, CRLF', () => {
    expect(parseJournalJson('No journal files were found.\n')).toEqual({ entries: [], malformed: 0, partial: false, noJournal: true });
    expect(parseJournalJson('No journal files were opened due to insufficient permissions.\r\n')).toMatchObject({ noJournal: true, malformed: 0 });
    expect(parseJournalJson('-- No entries --\r\n{"MESSAGE":"x"}\r\n')).toMatchObject({ malformed: 0, entries: [{ message: 'x' }] });
  });

  it('a 100k-character line is handled in linear time (JSON, non-JSON and a near-miss for every signature)', () => {
    const nearMiss = 'Address already in us Cannot assign requested addres (13: Permission denie listen EACCE Out of memory: Killed proces oom-kill Start request repeated too quickl '.repeat(700);
    const json = JSON.stringify({ MESSAGE: nearMiss.slice(0, 100_000) });
    const text = `${json}\n{${'"a":'.repeat(25_000)}\n${'x'.repeat(100_000)}\n`;
    const started = performance.now();
    const j = parseJournalJson(text);
    const hits = matchSignatures(j.entries);
    expect(performance.now() - started).toBeLessThan(500);
    expect(j.entries).toHaveLength(1);
    expect(j.malformed).toBe(2);
    expect(hits).toEqual([]);
  });
});

describe('matchSignatures (catalog Appendix B, B2/B3/B7/B8/B9, B10, B11, D5)', () => {
  const entries = (messages: string[]) => parseJournalJson(messages.map((m) => JSON.stringify({ MESSAGE: m })).join('\n')).entries;

  it('finds each signature in the wording real services use', () => {
    const hits = matchSignatures(entries([
      'nginx: [emerg] bind() to 10.0.0.5:80 failed (99: Cannot assign requested address)',
      'could not bind IPv4 address "10.0.0.5": Cannot assign requested address',
      'nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)',
      'Error: listen EACCES: permission denied 0.0.0.0:80',
      'Out of memory: Killed process 1234 (java) total-vm:123kB',
      'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),task_memcg=/system.slice/app.service',
      'app.service: A process of this unit has been killed by the OOM killer.',
      'could not bind IPv4 address "0.0.0.0": Address already in use',
      'Bind for 0.0.0.0:8080 failed: port is already allocated',
      "app.service: Failed with result 'start-limit-hit'.",
      'error: Bind to port 22 on 0.0.0.0 failed: Address already in use.',
    ]));
    expect(hits.map((h) => [h.entry.line, h.signature])).toEqual([
      [1, 'address-unavailable'],
      [2, 'address-unavailable'],
      [3, 'permission-denied'],
      [4, 'permission-denied'],
      [5, 'oom-kill'],
      [6, 'oom-kill'],
      [7, 'oom-kill'],
      [8, 'port-in-use'],
      [9, 'port-in-use'],
      [10, 'start-limit'],
      [11, 'port-in-use'],
    ]);
  });

  it('is case-insensitive and checks every MESSAGE of a repeated field', () => {
    const [e] = parseJournalJson('{"MESSAGE":["boot","ADDRESS ALREADY IN USE"]}').entries;
    expect(matchSignatures([e!]).map((h) => h.signature)).toEqual(['port-in-use']);
  });

  it('does not fire on ordinary failures, Windows error numbers or PIDs', () => {
    expect(matchSignatures(entries([
      'nginx.service: Control process exited, code=exited, status=1/FAILURE',
      'Started app.service (pid 10048, port 10049).',
      'Permission denied while opening /etc/app.conf',
      'Scheduled restart job, restart counter is at 3.',
    ]))).toEqual([]);
  });

  it('skips entries without a MESSAGE', () => {
    expect(matchSignatures(parseJournalJson('{"_PID":"1"}\n{"MESSAGE":null}\n').entries)).toEqual([]);
  });

  it('finds a bind denied by SELinux or AppArmor, a proxy whose upstream refuses, networking switched off', () => {
    // Hand-made in the wording of the audit log, AppArmor, nginx, HAProxy and MySQL/MariaDB.
    const hits = matchSignatures(entries([
      'type=AVC msg=audit(1795494602.123:451): avc:  denied  { name_bind } for  pid=812 comm="nginx" src=8081 scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0',
      'audit: type=1400 audit(1795494602.1:99): apparmor="DENIED" operation="bind" profile="/usr/sbin/mysqld" pid=990 comm="mysqld" family="inet"',
      '2026/11/24 04:30:03 [error] 700#700: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 198.18.0.9, upstream: "http://127.0.0.1:8080/"',
      '2026/11/24 04:30:04 [error] 700#700: *2 no live upstreams while connecting to upstream, client: 198.18.0.9',
      'backend app has no server available!',
      "2026-11-24 4:30:05 0 [Note] Server socket not created: skip-networking is set; TCP port is 0 ('skip_networking' in SHOW VARIABLES)",
    ]));
    expect(hits.map((h) => [h.entry.line, h.signature])).toEqual([
      [1, 'mac-denied'], [2, 'mac-denied'], [3, 'upstream-refused'], [4, 'upstream-refused'], [5, 'upstream-refused'], [6, 'networking-disabled'],
    ]);
  });

  it('does not take other denials for a bind one', () => {
    expect(matchSignatures(entries([
      'avc:  denied  { name_connect } for  pid=700 comm="nginx" dest=8080',
      'apparmor="DENIED" operation="open" profile="/usr/sbin/mysqld" name="/etc/ssl/key.pem"',
      'apparmor="ALLOWED" operation="bind" profile="/usr/sbin/mysqld"',
      'connect() failed (113: No route to host) while connecting to upstream',
    ]))).toEqual([]);
  });

  it('has a pattern for every LogSignature of the schema, and for nothing else', () => {
    const samples: Record<JournalSignature, string> = {
      'port-in-use': 'Address already in use',
      'address-unavailable': 'Cannot assign requested address',
      'permission-denied': 'bind() to 0.0.0.0:80 failed (13: Permission denied)',
      'mac-denied': 'avc: denied { name_bind } for pid=1',
      'oom-kill': 'Out of memory: Killed process 1 (x)',
      'start-limit': 'Start request repeated too quickly.',
      'upstream-refused': 'no live upstreams',
      'networking-disabled': 'skip_networking',
    };
    expect(Object.keys(samples).sort()).toEqual([...LogSignature.options].sort());
    for (const [signature, message] of Object.entries(samples)) expect(signaturesOf(message)).toEqual([signature]);
  });
});

describe('matchSignatureLines (plain log lines)', () => {
  it('matches plain lines with the same patterns as JSON entries, in line order', () => {
    const messages = ['nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)', 'ordinary line', 'ADDRESS ALREADY IN USE and Out of memory: Killed process 9'];
    expect(matchSignatureLines(messages)).toEqual([
      { signature: 'port-in-use', line: messages[0], index: 0 },
      { signature: 'port-in-use', line: messages[2], index: 2 },
      { signature: 'oom-kill', line: messages[2], index: 2 },
    ]);
    const json = matchSignatures(parseJournalJson(messages.map((m) => JSON.stringify({ MESSAGE: m })).join('\n')).entries);
    expect(matchSignatureLines(messages).map((m) => [m.signature, m.line])).toEqual(json.map((m) => [m.signature, m.entry.message]));
  });

  it('a 100k-character line is scanned in linear time', () => {
    const line = `${'avc: denied { name_bin '.repeat(2000)}${'apparmor="DENIED" operation="bin '.repeat(1500)}`.slice(0, 100_000);
    const started = performance.now();
    expect(matchSignatureLines([line])).toEqual([]);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
