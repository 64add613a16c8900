import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findUnit, parseSystemctlShow, parseSystemdTimestamp, type SystemctlShow, type SystemctlUnit } from '../../../shared/common/parsers/systemctl-show';

// Real output of systemd 252 (Debian 12) in the nspawn lab; see test/fixtures/systemd/README.md.
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/systemd/${name}`, import.meta.url), 'utf8');

function parsed(text: string): SystemctlShow {
  const r = parseSystemctlShow(text);
  if (!r.ok) throw new Error(`parse failed: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function only(text: string): SystemctlUnit {
  const { units } = parsed(text);
  expect(units).toHaveLength(1);
  return units[0]!;
}

describe('parseSystemctlShow on real systemd 252 output', () => {
  it('healthy nginx: the whole typed view', () => {
    const u = only(fixture('systemctl-show-nginx-healthy.txt'));
    const { properties, ...typed } = u;
    expect(typed).toEqual({
      id: 'nginx.service',
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      result: 'success',
      unitFileState: 'enabled',
      nRestarts: 0,
      mainPid: 40,
      execMainStatus: 0,
      execMainCode: 0,
      execMainCodeName: null,
      timestamps: {
        execMainStart: 'Tue 2026-11-24 04:25:41 UTC',
        execMainExit: null,
        activeEnter: 'Tue 2026-11-24 04:25:41 UTC',
        activeExit: null,
        inactiveEnter: null,
        inactiveExit: null,
        stateChange: null,
      },
      fragmentPath: '/lib/systemd/system/nginx.service',
      notFound: false,
    });
    // The raw record keeps every property, empty values as ''.
    expect(Object.keys(properties)).toHaveLength(14);
    expect(properties.InactiveEnterTimestamp).toBe('');
    expect(properties.MainPID).toBe('40');
  });

  it('nginx with a broken config: failed by its ExecStartPre, so ExecMain* never ran', () => {
    const u = only(fixture('systemctl-show-nginx-bad-config.txt'));
    expect(u).toMatchObject({ activeState: 'failed', subState: 'failed', result: 'exit-code', mainPid: 0, execMainStatus: 0, execMainCode: 0, execMainCodeName: null, nRestarts: 0, unitFileState: 'enabled' });
    expect(u.timestamps).toMatchObject({ execMainStart: null, activeEnter: 'Tue 2026-11-24 04:25:41 UTC', inactiveEnter: 'Tue 2026-11-24 04:25:44 UTC' });
  });

  it('nginx losing port 80 to another program: failed, Result=exit-code (the cause is only in the journal)', () => {
    const u = only(fixture('systemctl-show-nginx-port-conflict.txt'));
    expect(u).toMatchObject({ activeState: 'failed', subState: 'failed', result: 'exit-code', mainPid: 0 });
    expect(u.timestamps.inactiveEnter).toBe('Tue 2026-11-24 04:25:49 UTC');
  });

  it('crash loop: activating/auto-restart, NRestarts 0 then 1 across two reads', () => {
    const first = only(fixture('systemctl-show-crashloop-read1.txt'));
    const second = only(fixture('systemctl-show-crashloop-read2.txt'));
    for (const u of [first, second]) {
      expect(u).toMatchObject({ id: 'crashloop.service', activeState: 'activating', subState: 'auto-restart', result: 'exit-code', execMainStatus: 1, execMainCode: 1, execMainCodeName: 'exited', mainPid: 0, unitFileState: 'static', fragmentPath: '/etc/systemd/system/crashloop.service' });
    }
    expect([first.nRestarts, second.nRestarts]).toEqual([0, 1]);
    expect([first.timestamps.execMainStart, second.timestamps.execMainStart]).toEqual(['Tue 2026-11-24 04:25:52 UTC', 'Tue 2026-11-24 04:25:53 UTC']);
  });

  it('crash loop that hit the start limit keeps Result=exit-code (systemd keeps the first failure)', () => {
    expect(only(fixture('systemctl-show-crashloop-failed.txt'))).toMatchObject({ activeState: 'failed', subState: 'failed', result: 'exit-code', nRestarts: 5, execMainStatus: 1 });
  });

  it('a unit whose runs succeed until the start limit: Result=start-limit-hit', () => {
    expect(only(fixture('systemctl-show-startlimit-failed.txt'))).toMatchObject({ id: 'startlimit.service', activeState: 'failed', subState: 'failed', result: 'start-limit-hit', nRestarts: 5, execMainStatus: 0, execMainCode: 1 });
  });

  it('an unknown unit: LoadState=not-found, empty properties are null in the typed view', () => {
    const u = only(fixture('systemctl-show-not-found.txt'));
    expect(u).toMatchObject({ id: 'nosuch.service', loadState: 'not-found', activeState: 'inactive', subState: 'dead', result: 'success', notFound: true, fragmentPath: null, unitFileState: null, mainPid: 0 });
    expect(u.properties.FragmentPath).toBe('');
  });

  it('several units: one block each, in order; findUnit by short or full name', () => {
    const show = parsed(fixture('systemctl-show-multi.txt'));
    expect(show.units.map((u) => [u.id, u.activeState, u.subState, u.mainPid, u.loadState])).toEqual([
      ['nginx.service', 'active', 'running', 200, 'loaded'],
      ['ssh.service', 'active', 'running', 39, 'loaded'],
      ['nosuch.service', 'inactive', 'dead', 0, 'not-found'],
    ]);
    expect(findUnit(show, 'ssh')?.mainPid).toBe(39);
    expect(findUnit(show, 'nginx.service')?.mainPid).toBe(200);
    expect(findUnit(show, 'postgresql')).toBeUndefined();
    expect(show.ignoredLines).toBe(0);
  });

  it('"Unit X could not be found." (systemctl status/cat, stderr) lists the unit', () => {
    expect(parsed(fixture('systemctl-status-not-found.stderr.txt'))).toEqual({ units: [], missingUnits: ['nosuch.service'], ignoredLines: 0 });
  });

  it('a host whose PID 1 is not systemd: the typed no-systemd error', () => {
    expect(parseSystemctlShow(fixture('host-no-systemd-systemctl-show.txt'))).toEqual({
      ok: false,
      error: { code: 'no-systemd', message: "System has not been booted with systemd as init system (PID 1). Can't operate." },
    });
  });
});

describe('parseSystemctlShow edge cases', () => {
  it('keeps everything after the first "=" and empty values', () => {
    const u = only('Id=app.service\nEnvironment=A=1 B=x=y\nExecStart={ path=/bin/false ; argv[]=/bin/false ; ignore_errors=no }\nDescription=\nUser=\n');
    expect(u.properties).toEqual({ Id: 'app.service', Environment: 'A=1 B=x=y', ExecStart: '{ path=/bin/false ; argv[]=/bin/false ; ignore_errors=no }', Description: '', User: '' });
    expect(u.loadState).toBeNull();
  });

  it('tolerates unknown properties, CRLF, several blank lines and a missing final newline', () => {
    const show = parsed('\r\nId=a.service\r\nFooBar=1\r\nNRestarts=2\r\n\r\n\r\nId=b.service\r\nActiveState=active');
    expect(show.units.map((u) => [u.id, u.nRestarts, u.activeState, u.properties.FooBar ?? null])).toEqual([
      ['a.service', 2, null, '1'],
      ['b.service', null, 'active', null],
    ]);
  });

  it('non-numeric or absurd numbers are null, never NaN', () => {
    const u = only('NRestarts=[not set]\nMainPID=-1\nExecMainStatus=99999999999999999999\nExecMainCode=9\n');
    expect([u.nRestarts, u.mainPid, u.execMainStatus, u.execMainCode, u.execMainCodeName]).toEqual([null, null, null, 9, null]);
  });

  it('maps ExecMainCode to its name (CLD_KILLED: ExecMainStatus is the signal)', () => {
    expect(only('ExecMainCode=2\nExecMainStatus=9\n')).toMatchObject({ execMainCode: 2, execMainCodeName: 'killed', execMainStatus: 9 });
    expect(only('ExecMainCode=3\nExecMainStatus=11\n')).toMatchObject({ execMainCodeName: 'dumped' });
  });

  it('counts lines that are not Key=Value, and blocks still parse', () => {
    const show = parsed('Id=a.service\nthis is noise\n=novalue\n  indented=1\nActiveState=failed\n');
    expect(show.ignoredLines).toBe(3);
    expect(show.units[0]).toMatchObject({ id: 'a.service', activeState: 'failed' });
  });

  it('only an error from systemctl: systemctl-error; nothing at all: empty', () => {
    expect(parseSystemctlShow('Failed to connect to bus: No such file or directory\n')).toEqual({ ok: false, error: { code: 'systemctl-error', message: 'Failed to connect to bus: No such file or directory' } });
    for (const text of ['', '\n\n', 'hello world', '<html>']) expect(parseSystemctlShow(text)).toMatchObject({ ok: false, error: { code: 'empty' } });
  });

  it('no-systemd wins even when other text surrounds it', () => {
    expect(parseSystemctlShow('Id=x.service\nSystem has not been booted with systemd as init system (PID 1). Can\'t operate.\n')).toMatchObject({ ok: false, error: { code: 'no-systemd' } });
  });

  it('never throws on malformed input', () => {
    const inputs = ['=', '==\n==', '\u0000\u0001=\u0002', 'A'.repeat(5000) + '=' + 'B'.repeat(5000), '\r\r\r', 'Id=\uD800', '__proto__=x\nconstructor=y'];
    for (const text of inputs) expect(() => parseSystemctlShow(text)).not.toThrow();
    // Property names that collide with Object.prototype are plain keys; `__proto__` is not a systemd name (no leading _).
    const show = parsed('__proto__=x\nconstructor=y\ntoString=z\n');
    expect(show.units[0]!.properties).toEqual({ constructor: 'y', toString: 'z' });
    expect(show.ignoredLines).toBe(1);
  });

  it('a 100k-character line is handled in linear time', () => {
    const long = `Environment=${'a=b '.repeat(25_000)}`;
    const noise = `${'Unit '.repeat(20_000)}x could not be found`;
    const nearMiss = `${'System has not been booted with systemd '.repeat(2500)}`;
    const started = performance.now();
    const u = only(`Id=x.service\n${long}\n${noise}\n${nearMiss}\n`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(u.properties.Environment).toHaveLength(100_000);
  });
});

describe('parseSystemdTimestamp', () => {
  it('reads UTC timestamps as systemd prints them, with or without the weekday and microseconds', () => {
    expect(parseSystemdTimestamp('Tue 2026-11-24 04:25:57 UTC')).toBe(Date.UTC(2026, 10, 24, 4, 25, 57));
    expect(parseSystemdTimestamp('2026-11-24 04:25:57.123456 UTC')).toBe(Date.UTC(2026, 10, 24, 4, 25, 57, 123));
  });

  it('returns null for other zones, empty values and garbage', () => {
    expect(parseSystemdTimestamp('Tue 2026-11-24 05:25:57 CET')).toBeNull();
    expect(parseSystemdTimestamp('')).toBeNull();
    expect(parseSystemdTimestamp(null)).toBeNull();
    expect(parseSystemdTimestamp('n/a')).toBeNull();
  });
});
