import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { containersToInspect } from '../../../shared/common/manual/container-facts';
import { parsePaste, type PasteContext } from '../../../shared/common/manual/paste';
import { parseDockerPs } from '../../../shared/common/parsers/docker';
import { RemoteFacts } from '../../../shared/common/schema/remote';

// Real output of dockerd 20.10 with CLIs 20.10 and 28.2: test/fixtures/docker/README.md.
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/docker/${name}`, import.meta.url), 'utf8');
const ctx = (port: number): PasteContext => ({ port, failing: [{ address: '198.18.200.1', family: 4 }], service: null });

function containers(text: string, port = 8080) {
  const r = parsePaste('containers', text, ctx(port));
  if (!r.ok) throw new Error(`paste failed: ${r.error.message}`);
  if (r.value.patch.kind !== 'containers') throw new Error('wrong patch kind');
  expect(RemoteFacts.shape.containers.safeParse(r.value.patch.containers).success).toBe(true);
  return { ...r.value, containers: r.value.patch.containers };
}

const byName = (p: ReturnType<typeof containers>) => new Map(p.containers.containers.map((c) => [c.name, c]));

describe('parsePaste containers', () => {
  it('docker ps -a JSON lines (CLI 20 and 28): state, exit code and published ports per container', () => {
    for (const file of ['ps-a-json-cli20.jsonl', 'ps-a-json-cli28.jsonl']) {
      const p = containers(fixture(file));
      expect(p.containers).toMatchObject({ status: 'ok', source: 'docker ps -a (pasted)', reason: null });
      const c = byName(p);
      expect([...c.keys()]).toEqual(['oom', 'crashloop', 'exit1', 'killed', 'range', 'exposed-only', 'db-local', 'web']);
      expect(c.get('web')).toMatchObject({ state: 'running', exitCode: null, oomKilled: null, restartCount: null });
      expect(c.get('web')!.ports.map((x) => [x.hostIp, x.hostPort, x.containerPort])).toEqual([['0.0.0.0', [8080, 8080], [80, 80]], ['::', [8080, 8080], [80, 80]]]);
      expect(c.get('db-local')!.ports.map((x) => [x.hostIp, x.hostPort])).toEqual([[null, null], ['127.0.0.1', [5432, 5432]]]);
      expect(c.get('oom')).toMatchObject({ state: 'exited', status: 'Exited (137) 15 seconds ago', exitCode: 137, oomKilled: null });
      expect(c.get('crashloop')).toMatchObject({ state: 'restarting', exitCode: 1 });
    }
    expect(containers(fixture('ps-a-json-cli20.jsonl')).summary).toBe(
      "8 containers; port 8080: web (running); not running: oom exited, crashloop restarting, exit1 exited, killed exited (docker ps -a --format '{{json .}}', pasted)",
    );
  });

  it('with `docker inspect` pasted after it: OOMKilled and RestartCount, as the SSH collector reads them', () => {
    const p = containers(`${fixture('ps-a-json-cli20.jsonl')}\n${fixture('inspect-all.json')}`);
    const c = byName(p);
    expect(c.get('oom')).toMatchObject({ oomKilled: true, exitCode: 137, restartCount: 0 });
    expect(c.get('killed')).toMatchObject({ oomKilled: false, exitCode: 137 });
    expect(c.get('crashloop')).toMatchObject({ state: 'restarting', restartCount: 6, oomKilled: false });
    expect(p.format).toBe("docker ps -a --format '{{json .}}' + docker inspect");
    expect(p.summary).toContain('oom exited, OOM-killed');
  });

  it('docker inspect alone: ports published now, or asked for with -p when the container is not running', () => {
    const c = byName(containers(fixture('inspect-all.json')));
    expect(c.get('web')!.ports.map((x) => [x.hostIp, x.hostPort])).toEqual([['0.0.0.0', [8080, 8080]], ['::', [8080, 8080]]]);
    expect(c.get('crashloop')).toMatchObject({ state: 'restarting', status: 'restarting (1)', restartCount: 6 });
    expect(c.get('crashloop')!.ports).toEqual([{ hostIp: '0.0.0.0', hostPort: [8081, 8081], containerPort: [80, 80], protocol: 'tcp' }]);
    expect(c.get('exposed-only')!.ports).toEqual([{ hostIp: null, hostPort: null, containerPort: [80, 80], protocol: 'tcp' }]);
  });

  it('picks for inspection the containers on the port and those not running', () => {
    const ps = parseDockerPs(fixture('ps-a-json-cli20.jsonl'));
    if (!ps.ok) throw new Error(ps.error.message);
    expect(containersToInspect(ps.value.containers, 5432).map((c) => c.names[0])).toEqual(['oom', 'crashloop', 'exit1', 'killed', 'db-local']);
    expect(containersToInspect(ps.value.containers, 80).map((c) => c.names[0])).toEqual(['oom', 'crashloop', 'exit1', 'killed', 'range', 'exposed-only', 'db-local', 'web']);
  });

  it('a daemon that is down is evidence, not a bad paste', () => {
    const p = containers(fixture('error-daemon-down-cli28.stderr.txt'));
    expect(p.containers).toEqual({
      status: 'unsupported', source: 'docker ps -a (pasted)', containers: [],
      reason: 'the Docker daemon is not running: Cannot connect to the Docker daemon at unix:///tmp/pw-dockerfx/missing.sock. Is the docker daemon running?',
    });
  });

  it('errors: no permission, the human table, the wrong command', () => {
    const denied = parsePaste('containers', fixture('error-permission-denied-cli20.stderr.txt'), ctx(8080));
    expect(!denied.ok && denied.error.message).toMatch(/^The command needs root on the server \("permission denied while trying to connect to the Docker daemon socket/);
    // Hand-made: the default `docker ps -a` table (the fixtures hold a --format table without header).
    const table = parsePaste('containers', 'CONTAINER ID   IMAGE            COMMAND    CREATED   STATUS         PORTS                  NAMES\n7bb7aec0ca91   lab/busybox:fx   "httpd"    1 min     Up 27 seconds  0.0.0.0:8080->80/tcp   web\n', ctx(8080));
    expect(!table.ok && table.error.message).toBe("This is the `docker ps -a` table, whose columns are padded and cut: paste the output of `docker ps -a --no-trunc --format '{{json .}}'` instead.");
    const wrong = parsePaste('containers', fixture('ps-a-table-cli20.txt'), ctx(8080));
    expect(!wrong.ok && wrong.error.message).toMatch(/^This is not the output of `docker ps -a --no-trunc --format '\{\{json \.\}\}'`: nothing in it reads as that output \(line 1: "oom\tExited/);
  });
});
