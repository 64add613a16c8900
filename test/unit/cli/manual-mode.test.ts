import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { causeIndex } from '../../../shared/common/causes/catalog';
import { Report } from '../../../shared/common/schema/report';
import { EXIT, runCli } from '../../../shared/node/cli/main';
import { closedPort } from '../../integration/loopback';

const dir = mkdtempSync(join(tmpdir(), 'portwise-answers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeIo(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    // Every diagnosis is saved in the history: into this test's own folder, never the user's.
    io: { argv, env: { PORTWISE_HOME: join(dir, 'portwise') }, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, onInterrupt: () => {} },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

let files = 0;
function answersFile(content: unknown): string {
  const path = join(dir, `answers-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** A real `ss -Htlnpe4` line from the fixtures, moved to the port under test and owned by postgres. */
function ssLoopbackOnly(port: number): string {
  const line = readFileSync(new URL('../../fixtures/ss/ss-Htlnpe4.txt', import.meta.url), 'utf8').split('\n').find((l) => l.includes('127.0.0.1:47104'));
  if (!line) throw new Error('fixture line missing');
  return `${line.replace('127.0.0.1:47104', `127.0.0.1:${port}`).replace('"pw-lab"', '"postgres"')}\n`;
}

describe('portwise causes / explain', () => {
  it('causes --json lists every catalog id, each with a title, a layer and non-empty remediation', async () => {
    const f = fakeIo(['causes', '--json']);
    expect(await runCli(f.io)).toBe(0);
    const list = JSON.parse(f.stdout()) as { id: string; title: string; layer: string; remediation: { text: string }[] }[];
    expect(list.map((c) => c.id).sort()).toEqual(causeIndex.map((c) => c.id).sort());
    for (const c of list) {
      expect(c.title, c.id).not.toBe('');
      expect(c.layer, c.id).not.toBe('');
      expect(c.remediation.length, c.id).toBeGreaterThan(0);
      for (const step of c.remediation) expect(step.text.trim(), c.id).not.toBe('');
    }
  });

  it('causes prints one line per cause', async () => {
    const f = fakeIo(['causes']);
    expect(await runCli(f.io)).toBe(0);
    for (const c of causeIndex) expect(f.stdout()).toContain(c.id);
  });

  it('explain prints one cause with the fix for the named service', async () => {
    const f = fakeIo(['explain', 'bind-loopback-only', '--service', 'postgresql']);
    expect(await runCli(f.io)).toBe(0);
    expect(f.stdout()).toContain('listen_addresses');
    expect(f.stdout()).toContain('postgresql.conf');
  });

  it('explain of an unknown id is a usage error that points at the list', async () => {
    const f = fakeIo(['explain', 'no-such-cause']);
    expect(await runCli(f.io)).toBe(EXIT.usage);
    expect(f.stderr()).toMatch(/"no-such-cause" is not a cause id; "portwise causes" lists them/);
    expect(f.stdout()).toBe('');
  });
});

describe('portwise diagnose --answers: bad files are refused before anything is probed', () => {
  it.each([
    ['not JSON', '{"T13": ', /not valid JSON/],
    ['an unknown step', { T99: { choice: 'x' } }, /T99: not a step of the decision tree/],
    ['a choice the step does not have', { T2: { choice: 'maybe' } }, /T2: "maybe" is not an answer to this step; the answers are proxy, ssh-tunnel, direct/],
    ['an override without a reason', { T9: { override: { to: 'T50', reason: ' ' } } }, /an override needs a reason/],
    ['an override off the branches', { T9: { override: { to: 'bind-loopback-only', reason: 'sure' } } }, /T9: cannot override to "bind-loopback-only"/],
    ['a paste where none is asked', { T9: { paste: 'x' } }, /T9: this step takes no pasted output/],
    ['firewall rules pasted as a listener table', { T13: { paste: readFileSync(new URL('../../fixtures/systemd/ufw-iptables-save-c.txt', import.meta.url), 'utf8') } }, /^ {2}T13: /m],
    ['an unknown key', { T2: { choise: 'direct' } }, /T2: Unrecognized key/],
  ])('%s', async (_name, content, message) => {
    const f = fakeIo(['diagnose', '127.0.0.1:1', '--answers', answersFile(content)]);
    expect(await runCli(f.io)).toBe(EXIT.usage);
    expect(f.stderr()).toMatch(message);
    expect(f.stdout()).toBe('');
  });

  it('a missing file', async () => {
    const f = fakeIo(['diagnose', '127.0.0.1:1', '--answers', join(dir, 'nope.json')]);
    expect(await runCli(f.io)).toBe(EXIT.usage);
    expect(f.stderr()).toMatch(/cannot read it \(ENOENT\)/);
  });
});

describe('portwise diagnose --answers: a real refusal, decided by a pasted listener table', () => {
  const quick = ['--probes', '1', '--timeout', '1000', '--json'];

  it('an override sends the walk to the server side; the pasted ss output proves bind-loopback-only, with the PostgreSQL fix', async () => {
    const port = await closedPort('127.0.0.1');
    // The target is this computer's loopback, so the evidence alone goes to T4; the person says the
    // service really runs elsewhere (as through a tunnel), and pastes what that server lists.
    const file = answersFile({ T3: { override: { to: 'T6', reason: 'the database runs on the server behind this forward' } }, T13: { paste: ssLoopbackOnly(port) } });
    const f = fakeIo(['diagnose', `127.0.0.1:${port}`, '--answers', file, ...quick]);
    expect(await runCli(f.io)).toBe(EXIT.found);
    const report = Report.parse(JSON.parse(f.stdout()));
    expect(report.diagnosis.cause).toBe('bind-loopback-only');
    expect(report.diagnosis.service).toEqual({ id: 'postgresql', name: 'PostgreSQL' });
    expect(JSON.stringify(report.diagnosis.remediation)).toContain('listen_addresses');
    const steps = report.path.map((s) => [s.node, s.by]);
    expect(steps).toContainEqual(['T3', 'override']);
    const t3 = report.path.find((s) => s.node === 'T3')!;
    expect(t3).toMatchObject({ next: 'T6', automatic: 'T4', overrideReason: 'the database runs on the server behind this forward' });
    expect(report.path.at(-1)).toMatchObject({ node: 'T13', by: 'evidence', next: 'bind-loopback-only' });
    const pasted = report.evidence.filter((e) => e.origin === 'pasted');
    expect(pasted.map((e) => e.id)).toEqual(['pasted:T13', 'server-facts:pasted']);
    expect(pasted[0]!.raw).toBe(ssLoopbackOnly(port));
    expect(report.answers.T3?.override?.to).toBe('T6');
    expect(report.pending).toBeNull();
  });

  it('without a paste, the walk stops at the step that needs one and says what to run', async () => {
    const port = await closedPort('127.0.0.1');
    const file = answersFile({ T3: { override: { to: 'T6', reason: 'it runs elsewhere' } } });
    const f = fakeIo(['diagnose', `127.0.0.1:${port}`, '--answers', file, ...quick]);
    expect(await runCli(f.io)).toBe(EXIT.inconclusive);
    const report = Report.parse(JSON.parse(f.stdout()));
    expect(report.pending).toMatchObject({ node: 'T60', paste: { kind: 'listeners' } });
    expect(report.pending!.paste!.commands.map((c) => c.command)).toContain(`sudo ss -tlnpe 'sport = :${port}'`);
  });

  it('the text report shows the pending question and how to answer it', async () => {
    const port = await closedPort('127.0.0.1');
    const file = answersFile({ T3: { override: { to: 'T6', reason: 'it runs elsewhere' } }, T60: { choice: 'works-on-server' } });
    const f = fakeIo(['diagnose', `127.0.0.1:${port}`, '--answers', file, '--probes', '1', '--timeout', '1000', '--no-color']);
    expect(await runCli(f.io)).toBe(EXIT.inconclusive);
    expect(f.stdout()).toContain('[overridden by a person; the evidence led to T4]');
    expect(f.stdout()).toContain('[answered by a person]');
    expect(f.stdout()).toContain('To go further (step T13');
    expect(f.stdout()).toContain(`sudo ss -tlnpe 'sport = :${port}'`);
    expect(f.stdout()).toContain('{"T13": {"paste": "..."}}');
  });
});
