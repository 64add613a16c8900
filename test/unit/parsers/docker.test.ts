import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  dockerMissingObjects,
  parseDockerError,
  parseDockerInspect,
  parseDockerPorts,
  parseDockerPs,
  type DockerInspect,
  type DockerInspectContainer,
  type DockerPs,
  type DockerPsContainer,
} from '../../../shared/common/parsers/docker';

// Real output of docker.io 20.10.24 (CLIs 20.10.24 and 28.2.2) in a lab namespace; see test/fixtures/docker/README.md.
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/docker/${name}`, import.meta.url), 'utf8');

function psOk(text: string): DockerPs {
  const r = parseDockerPs(text);
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`);
  return r.value;
}

function inspectOk(text: string): DockerInspect {
  const r = parseDockerInspect(text);
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`);
  return r.value;
}

const row = (c: DockerPsContainer) => [c.line, c.names.join(','), c.id.slice(0, 12), c.state, c.exitCode, c.status, c.ports];
const byName = (i: DockerInspect, name: string): DockerInspectContainer => {
  const c = i.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no ${name}`);
  return c;
};

describe('parseDockerPs on real `docker ps -a --no-trunc --format {{json .}}`', () => {
  it('CLI 20.10: every container, state, exit code and raw Ports', () => {
    const ps = psOk(fixture('ps-a-json-cli20.jsonl'));
    expect(ps.malformed).toBe(0);
    expect(ps.containers.map(row)).toEqual([
      [1, 'oom', '2e05c897f43b', 'exited', 137, 'Exited (137) 15 seconds ago', ''],
      [2, 'crashloop', '38d08f4dc741', 'restarting', 1, 'Restarting (1) 2 seconds ago', ''],
      [3, 'exit1', '63068d86c9e1', 'exited', 1, 'Exited (1) 19 seconds ago', ''],
      [4, 'killed', '59e0711b730c', 'exited', 137, 'Exited (137) 16 seconds ago', ''],
      [5, 'range', 'c26c319bca5c', 'running', null, 'Up 22 seconds', '80/tcp, 0.0.0.0:8000-8002->8000-8002/tcp, :::8000-8002->8000-8002/tcp'],
      [6, 'exposed-only', '297190ea0d6b', 'running', null, 'Up 25 seconds', '80/tcp'],
      [7, 'db-local', '7c2b3ac98c28', 'running', null, 'Up 26 seconds', '80/tcp, 127.0.0.1:5432->5432/tcp'],
      [8, 'web', '7bb7aec0ca91', 'running', null, 'Up 27 seconds', '0.0.0.0:8080->80/tcp, :::8080->80/tcp'],
    ]);
    const web = ps.containers[7]!;
    expect(web.id).toBe('7bb7aec0ca91382cff1dd98c64cb364848c13457fb5cc679bbfea5d68ff6bc01');
    expect(web.image).toBe('lab/busybox:fx');
    expect(web.health).toBeNull();
    expect(web.createdAt).toBe('2026-11-24 05:00:13 +0000 UTC');
    expect(new Date(web.createdAtMs!).toISOString()).toBe('2026-11-24T05:00:13.000Z');
    expect(web.portMappings).toEqual([
      { hostIp: '0.0.0.0', hostPort: [8080, 8080], containerPort: [80, 80], protocol: 'tcp' },
      { hostIp: '::', hostPort: [8080, 8080], containerPort: [80, 80], protocol: 'tcp' },
    ]);
    expect(ps.containers[1]!.portMappings).toEqual([]); // restarting: the publish is gone (D1c)
  });

  it('CLI 28.2: same containers, IPv6 host address bracketed, same decoded mappings', () => {
    const ps20 = psOk(fixture('ps-a-json-cli20.jsonl'));
    const ps28 = psOk(fixture('ps-a-json-cli28.jsonl'));
    expect(ps28.malformed).toBe(0);
    expect(ps28.containers.find((c) => c.names[0] === 'web')!.ports).toBe('0.0.0.0:8080->80/tcp, [::]:8080->80/tcp');
    expect(ps28.containers.map((c) => [c.id, c.state, c.exitCode, c.portMappings])).toEqual(ps20.containers.map((c) => [c.id, c.state, c.exitCode, c.portMappings]));
  });

  it('crash loop caught in a short run: running, published again', () => {
    const ps = psOk(fixture('ps-a-json-crashloop-running-window-cli20.jsonl'));
    expect(ps.containers.map(row)).toEqual([[1, 'crashloop', '38d08f4dc741', 'running', null, 'Up Less than a second', '0.0.0.0:8081->80/tcp, :::8081->80/tcp']]);
  });

  it('empty output: no containers (valid), not an error', () => {
    expect(parseDockerPs('')).toEqual({ ok: true, value: { containers: [], malformed: 0 } });
  });

  it('daemon errors instead of output are typed errors', () => {
    const down = parseDockerPs(fixture('error-daemon-down-cli20.stderr.txt'));
    expect(down).toEqual({ ok: false, error: { code: 'daemon-down', message: 'Cannot connect to the Docker daemon at unix:///tmp/pw-dockerfx/missing.sock. Is the docker daemon running?' } });
    const denied = parseDockerPs(fixture('error-permission-denied-cli28.stderr.txt'));
    expect(denied.ok ? null : denied.error.code).toBe('needs-privilege');
    expect(parseDockerPs('hello world\n{not json')).toEqual({ ok: false, error: { code: 'unrecognized', message: 'No `docker ps --format {{json .}}` line in the output.' } });
  });

  it('malformed lines are counted and skipped, good lines kept', () => {
    const good = fixture('ps-a-json-cli20.jsonl').split('\n')[7]!;
    const text = ['{bad json', '{"ID":"xyz","Names":"a"}', '{"ID":"7bb7aec0ca91","Names":5}', '[1,2]', 'WARNING: something', good, ''].join('\r\n');
    const ps = psOk(text);
    expect(ps.malformed).toBe(5);
    expect(ps.containers.map(row)).toEqual([[6, 'web', '7bb7aec0ca91', 'running', null, 'Up 27 seconds', '0.0.0.0:8080->80/tcp, :::8080->80/tcp']]);
  });

  it('older CLI without State: derived from Status; health and linked names', () => {
    const line = (status: string, names = 'x') => JSON.stringify({ ID: 'abcdef012345', Names: names, Image: 'i', Status: status, Ports: '', CreatedAt: 'n/a' });
    const ps = psOk(
      [line('Up 3 hours (healthy)'), line('Up 2 seconds (health: starting)'), line('Up 1 minute (Paused)'), line('Restarting (2) 1 second ago'), line('Created'), line('Dead'), line('Exited (0) 1 day ago', 'a,b/alias'), line('???')].join('\n'),
    );
    expect(ps.containers.map((c) => [c.state, c.exitCode, c.health, c.names, c.createdAtMs])).toEqual([
      ['running', null, 'healthy', ['x'], null],
      ['running', null, 'starting', ['x'], null],
      ['paused', null, null, ['x'], null],
      ['restarting', 2, null, ['x'], null],
      ['created', null, null, ['x'], null],
      ['dead', null, null, ['x'], null],
      ['exited', 0, null, ['a', 'b/alias'], null],
      [null, null, null, ['x'], null],
    ]);
  });

  it('a 100k-character line does not hang', () => {
    const big = `{"ID":"abcdef012345","Names":"n","Status":"${'Up '.repeat(33_000)}","Ports":"${'1:'.repeat(50_000)}"}`;
    const start = performance.now();
    const ps = psOk(`${big}\n${'{'.repeat(100_000)}\n`);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(ps.containers).toHaveLength(1);
    expect(ps.malformed).toBe(1);
  });
});

describe('parseDockerPorts', () => {
  it('every shape from the fixtures', () => {
    expect(parseDockerPorts('80/tcp, 0.0.0.0:8000-8002->8000-8002/tcp, :::8000-8002->8000-8002/tcp')).toEqual({
      mappings: [
        { hostIp: null, hostPort: null, containerPort: [80, 80], protocol: 'tcp' },
        { hostIp: '0.0.0.0', hostPort: [8000, 8002], containerPort: [8000, 8002], protocol: 'tcp' },
        { hostIp: '::', hostPort: [8000, 8002], containerPort: [8000, 8002], protocol: 'tcp' },
      ],
      malformed: [],
    });
    expect(parseDockerPorts('0.0.0.0:8080->80/tcp, [::]:8080->80/tcp').mappings.map((m) => m.hostIp)).toEqual(['0.0.0.0', '::']);
    expect(parseDockerPorts('80/tcp, 127.0.0.1:5432->5432/tcp').mappings[1]).toEqual({ hostIp: '127.0.0.1', hostPort: [5432, 5432], containerPort: [5432, 5432], protocol: 'tcp' });
    expect(parseDockerPorts('')).toEqual({ mappings: [], malformed: [] });
  });

  it('udp, an unpublished range, a specific IPv6 address (hand-written: not in the lab fixtures)', () => {
    expect(parseDockerPorts('0.0.0.0:5353->53/udp, 9000-9002/tcp, [2001:db8::1]:443->8443/tcp, :::53->53/udp, 198.18.0.5:7->7/sctp').mappings).toEqual([
      { hostIp: '0.0.0.0', hostPort: [5353, 5353], containerPort: [53, 53], protocol: 'udp' },
      { hostIp: null, hostPort: null, containerPort: [9000, 9002], protocol: 'tcp' },
      { hostIp: '2001:db8::1', hostPort: [443, 443], containerPort: [8443, 8443], protocol: 'tcp' },
      { hostIp: '::', hostPort: [53, 53], containerPort: [53, 53], protocol: 'udp' },
      { hostIp: '198.18.0.5', hostPort: [7, 7], containerPort: [7, 7], protocol: 'sctp' },
    ]);
  });

  it('junk items are returned verbatim as malformed, the rest still decoded', () => {
    expect(parseDockerPorts('80/tcp, 0.0.0.0:8080->80, 8080->80/tcp, host:1->2/tcp, 0.0.0.0:70000->80/tcp, 0.0.0.0:9-8->1-1/tcp, 0.0.0.0:1->80/icmp, …')).toEqual({
      mappings: [{ hostIp: null, hostPort: null, containerPort: [80, 80], protocol: 'tcp' }],
      malformed: ['0.0.0.0:8080->80', '8080->80/tcp', 'host:1->2/tcp', '0.0.0.0:70000->80/tcp', '0.0.0.0:9-8->1-1/tcp', '0.0.0.0:1->80/icmp', '…'],
    });
  });

  it('a 100k-character column does not hang', () => {
    const start = performance.now();
    const r = parseDockerPorts(`${':'.repeat(60_000)}${'1'.repeat(40_000)}->80/tcp, ${'->'.repeat(50_000)}`);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(r.mappings).toEqual([]);
    expect(r.malformed).toHaveLength(2);
  });
});

describe('parseDockerInspect on real `docker inspect`', () => {
  const all = inspectOk(fixture('inspect-all.json'));

  it('eight containers, in argument order, nothing skipped', () => {
    expect(all.containers.map((c) => c.name)).toEqual(['web', 'db-local', 'exposed-only', 'range', 'killed', 'exit1', 'crashloop', 'oom']);
    expect([all.otherObjects, all.malformed, all.missing]).toEqual([0, 0, []]);
  });

  it('web: running, published on 0.0.0.0 and ::, asked for on all addresses', () => {
    const web = byName(all, 'web');
    expect(web.id).toBe('7bb7aec0ca91382cff1dd98c64cb364848c13457fb5cc679bbfea5d68ff6bc01');
    expect(web.image).toBe('lab/busybox:fx');
    expect(web.state).toEqual({
      status: 'running',
      running: true,
      restarting: false,
      paused: false,
      dead: false,
      oomKilled: false,
      exitCode: 0,
      pid: 10718,
      error: null,
      startedAt: '2026-11-24T05:00:14.205958443Z',
      finishedAt: null,
    });
    expect([web.restartCount, web.restartPolicy]).toEqual([0, { name: 'no', maximumRetryCount: 0 }]);
    expect(web.portBindings).toEqual([{ key: '80/tcp', containerPort: 80, protocol: 'tcp', bindings: [{ hostIp: '', hostPort: 8080 }] }]);
    expect(web.ports).toEqual([
      { key: '80/tcp', containerPort: 80, protocol: 'tcp', bindings: [{ hostIp: '0.0.0.0', hostPort: 8080 }, { hostIp: '::', hostPort: 8080 }] },
    ]);
    expect(web.exposedPorts).toEqual(['80/tcp']);
  });

  it('db-local (loopback publish) and exposed-only (EXPOSE, no publish: null)', () => {
    const db = byName(all, 'db-local');
    expect(db.portBindings).toEqual([{ key: '5432/tcp', containerPort: 5432, protocol: 'tcp', bindings: [{ hostIp: '127.0.0.1', hostPort: 5432 }] }]);
    expect(db.ports).toEqual([
      { key: '5432/tcp', containerPort: 5432, protocol: 'tcp', bindings: [{ hostIp: '127.0.0.1', hostPort: 5432 }] },
      { key: '80/tcp', containerPort: 80, protocol: 'tcp', bindings: null },
    ]);
    const exposed = byName(all, 'exposed-only');
    expect([exposed.portBindings, exposed.ports, exposed.exposedPorts]).toEqual([[], [{ key: '80/tcp', containerPort: 80, protocol: 'tcp', bindings: null }], ['80/tcp']]);
  });

  it('range: one key per port', () => {
    expect(byName(all, 'range').ports.map((p) => [p.key, p.bindings?.map((b) => `${b.hostIp}|${b.hostPort}`) ?? null])).toEqual([
      ['80/tcp', null],
      ['8000/tcp', ['0.0.0.0|8000', '::|8000']],
      ['8001/tcp', ['0.0.0.0|8001', '::|8001']],
      ['8002/tcp', ['0.0.0.0|8002', '::|8002']],
    ]);
  });

  it('killed (137), exit 1, OOM-killed (137 + OOMKilled): exited, nothing published', () => {
    const summary = (name: string) => {
      const c = byName(all, name);
      return [c.state.status, c.state.running, c.state.exitCode, c.state.oomKilled, c.state.pid, c.state.startedAt, c.state.finishedAt, c.ports];
    };
    expect(summary('killed')).toEqual(['exited', false, 137, false, 0, '2026-11-24T05:00:20.461719113Z', '2026-11-24T05:00:25.302755751Z', []]);
    expect(summary('exit1')).toEqual(['exited', false, 1, false, 0, '2026-11-24T05:00:21.899199224Z', '2026-11-24T05:00:21.925697305Z', []]);
    expect(summary('oom')).toEqual(['exited', false, 137, true, 0, '2026-11-24T05:00:23.737672885Z', '2026-11-24T05:00:26.341441984Z', []]);
  });

  it('crash loop: restarting (Running is true!), RestartCount 6, binding kept but nothing published', () => {
    const c = byName(all, 'crashloop');
    expect(c.state).toMatchObject({ status: 'restarting', running: true, restarting: true, exitCode: 1, pid: 0, oomKilled: false });
    expect([c.restartCount, c.restartPolicy]).toEqual([6, { name: 'always', maximumRetryCount: 0 }]);
    expect(c.portBindings).toEqual([{ key: '80/tcp', containerPort: 80, protocol: 'tcp', bindings: [{ hostIp: '', hostPort: 8081 }] }]);
    expect(c.ports).toEqual([]);

    const later = byName(inspectOk(fixture('inspect-crashloop-running-window.json')), 'crashloop');
    expect([later.state.status, later.state.restarting, later.state.pid, later.restartCount]).toEqual(['running', false, 19592, 9]);
    expect(later.ports[0]!.bindings).toEqual([{ hostIp: '0.0.0.0', hostPort: 8081 }, { hostIp: '::', hostPort: 8081 }]);
  });

  it('a missing name: stdout holds the others; stderr appended gives `missing`', () => {
    for (const v of ['20', '28']) {
      const stdout = fixture(`inspect-web-and-missing-cli${v}.json`);
      const stderr = fixture(`inspect-web-and-missing-cli${v}.stderr.txt`);
      expect(inspectOk(stdout).containers.map((c) => c.name)).toEqual(['web']);
      const both = inspectOk(stdout + stderr);
      expect([both.containers.map((c) => c.name), both.missing]).toEqual([['web'], ['nosuch']]);
      expect(parseDockerError(stderr)).toBe('not-found');
    }
    expect(inspectOk('[]\nError: No such object: a\nError: No such object: b\n')).toEqual({ containers: [], otherObjects: 0, malformed: 0, missing: ['a', 'b'] });
  });

  it('typed errors, never a throw', () => {
    expect(parseDockerInspect(fixture('error-daemon-down-cli28.stderr.txt'))).toMatchObject({ ok: false, error: { code: 'daemon-down' } });
    expect(parseDockerInspect(fixture('error-permission-denied-cli20.stderr.txt'))).toMatchObject({ ok: false, error: { code: 'needs-privilege' } });
    expect(parseDockerInspect('')).toMatchObject({ ok: false, error: { code: 'unrecognized' } });
    expect(parseDockerInspect('[{"Id": ')).toMatchObject({ ok: false, error: { code: 'unrecognized' } });
    expect(parseDockerInspect('{"Id":"x"}')).toMatchObject({ ok: false, error: { code: 'unrecognized' } });
  });

  it('odd items: counted, bad fields become null, bad port entries dropped', () => {
    const text = JSON.stringify([
      1,
      null,
      { Id: 'sha256:abc', RepoTags: ['img'] },
      { Id: 'x', State: {} },
      {
        Id: 'y',
        Name: 'plain',
        Image: 'sha256:def',
        State: { Status: 'weird', Running: 'yes', ExitCode: 1.5, StartedAt: '0001-01-01T00:00:00Z', Error: 'boom' },
        RestartCount: '3',
        HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }, 'junk'], 'bad': [], '99999/tcp': null, '53/udp': 'x' } },
        NetworkSettings: { Ports: [] },
      },
    ]);
    const r = inspectOk(text);
    expect([r.malformed, r.otherObjects]).toEqual([3, 1]);
    expect(r.containers).toEqual([
      {
        id: 'y',
        name: 'plain',
        image: 'sha256:def',
        state: { status: null, running: null, restarting: null, paused: null, dead: null, oomKilled: null, exitCode: null, pid: null, error: 'boom', startedAt: null, finishedAt: null },
        restartCount: null,
        restartPolicy: null,
        portBindings: [{ key: '80/tcp', containerPort: 80, protocol: 'tcp', bindings: [{ hostIp: '', hostPort: null }] }],
        ports: [],
        exposedPorts: [],
      },
    ]);
  });

  it('a 100k-character value does not hang', () => {
    const text = JSON.stringify([{ Id: 'z', Name: '/big', State: { Status: 'exited', Error: 'x'.repeat(100_000) } }]);
    const start = performance.now();
    expect(inspectOk(text).containers[0]!.state.error).toHaveLength(100_000);
    expect(parseDockerInspect(`[${'['.repeat(100_000)}`).ok).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('parseDockerError on real stderr', () => {
  it('each captured error, both CLIs', () => {
    for (const v of ['20', '28']) {
      expect(parseDockerError(fixture(`error-daemon-down-cli${v}.stderr.txt`))).toBe('daemon-down');
      expect(parseDockerError(fixture(`error-permission-denied-cli${v}.stderr.txt`))).toBe('needs-privilege');
      expect(parseDockerError(fixture(`inspect-web-and-missing-cli${v}.stderr.txt`))).toBe('not-found');
    }
  });

  it('other wordings (hand-written) and unknown text', () => {
    expect(parseDockerError('Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: ...')).toBe('needs-privilege');
    expect(parseDockerError('error during connect: this error may indicate that the docker daemon is not running: Get "http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.24/containers/json": open //./pipe/docker_engine: The system cannot find the file specified.')).toBe('daemon-down');
    expect(parseDockerError('Error response from daemon: No such container: web')).toBe('not-found');
    expect(parseDockerError('Error response from daemon: driver failed programming external connectivity')).toBeNull();
    expect(parseDockerError('')).toBeNull();
    expect(dockerMissingObjects('Error: No such object: a\nError response from daemon: No such container: b\n')).toEqual(['a', 'b']);
  });

  it('a 100k-character stderr does not hang', () => {
    const start = performance.now();
    expect(parseDockerError(`error during connect: ${'docker_engine '.repeat(8_000)}`)).toBeNull();
    expect(dockerMissingObjects('No such object: \n'.repeat(6_000))).toEqual([]);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
