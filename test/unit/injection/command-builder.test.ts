import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_PROPERTIES, serverCommandPlan, serverCommands } from '../../../shared/common/remote/commands';
import { wrapCommand } from '../../../shared/node/remote/runner';
import { payloadName, payloads, sample, type Payload } from '../../fixtures/injection/corpus';
import { stubShell, type Call } from './stub-path';

// Every value that reaches a server command goes through the command builder. For each payload of the
// corpus and each such field, the built text runs in a real sh and bash whose PATH holds only stubs
// that record their argv: the canary must never appear, and the payload must arrive as exactly one
// argument, unchanged, where the template puts it. A value a user types (the unit) must also never be
// read as an option: it comes after `--` or as the value of an option that takes one.

const shell = stubShell();
afterAll(() => shell.dispose());
const corpus = payloads(shell.canary);

/** A port is a number by type; these fields check what would happen if a string got in anyway. */
const asPort = (p: string) => p as unknown as number;

interface Case {
  field: string;
  command: string;
  /** The one call the command must make. */
  expected: Call;
  /** The payload is typed by a person: its place in the argv, where it must not be readable as an option. */
  userTyped: number | null;
}

function cases(p: string): Case[] {
  const c = serverCommands;
  return [
    { field: 'unit (systemctl show)', command: c.serviceState(p).text, expected: { tool: 'systemctl', args: ['show', '-p', SERVICE_PROPERTIES, '--no-pager', '--', p] }, userTyped: 5 },
    { field: 'unit (journalctl -u)', command: c.serviceLog(p).text, expected: { tool: 'journalctl', args: ['-u', p, '-n', '100', '-o', 'json', '--no-pager', '-q'] }, userTyped: 1 },
    { field: 'address (ip route get)', command: c.routeGet(p).text, expected: { tool: 'ip', args: ['route', 'get', p] }, userTyped: null },
    { field: 'address (bash self-probe)', command: c.selfProbeBash(p, 5432, false).text, expected: { tool: 'bash', args: ['-c', 'exec 3<>"/dev/tcp/$1/$2" && echo open', '_', p, '5432'] }, userTyped: null },
    { field: 'port as a string (bash self-probe, timed)', command: c.selfProbeBash('192.0.2.1', asPort(p), true).text, expected: { tool: 'bash', args: ['-c', 'exec 3<>"/dev/tcp/$1/$2" && echo open', '_', '192.0.2.1', p] }, userTyped: null },
    { field: 'address (nc self-probe)', command: c.selfProbeNc(p, 5432).text, expected: { tool: 'nc', args: ['-vz', '-w', '3', p, '5432'] }, userTyped: null },
    { field: 'port as a string (ss filter)', command: c.ssListeners(4, asPort(p)).text, expected: { tool: 'ss', args: ['-tlnpe4', `sport = :${p}`] }, userTyped: null },
    { field: 'container id (docker inspect)', command: c.dockerInspect([p, 'abc123']).text, expected: { tool: 'docker', args: ['inspect', p, 'abc123'] }, userTyped: null },
  ];
}

/** The runner's frame around a command, in every form it takes (the two last: as a simple command). */
function wrapped(command: string): { form: string; text: string; sudo: boolean }[] {
  const nonce = '0123456789abcdef';
  return [
    { form: 'exec channel', text: wrapCommand(command, nonce, { sudo: false, serverTimeoutSec: null }), sudo: false },
    { form: 'session shell', text: wrapCommand(command, nonce, { sudo: false, serverTimeoutSec: null, inShell: true }), sudo: false },
    { form: 'sudo -n', text: wrapCommand(command, nonce, { sudo: true, serverTimeoutSec: null }), sudo: true },
    { form: 'server-side timeout', text: wrapCommand(command, nonce, { sudo: false, serverTimeoutSec: 5, inShell: true }), sudo: false },
    // The unit's command is a simple one (ShellCommand.simple): the runner starts it without `sh -c`.
    { form: 'simple, session shell, server-side timeout', text: wrapCommand(command, nonce, { sudo: false, serverTimeoutSec: 5, inShell: true, simple: true }), sudo: false },
    { form: 'simple, sudo -n, exec channel', text: wrapCommand(command, nonce, { sudo: true, serverTimeoutSec: 5, simple: true }), sudo: true },
  ];
}

const FORMS = wrapped('true').length;

/** An option-looking user value is safe only after `--` or as the value of the option before it. */
function readAsData(call: Call, at: number): boolean {
  if (!call.args[at]!.startsWith('-')) return true;
  const endOfOptions = call.args.indexOf('--');
  return (endOfOptions >= 0 && endOfOptions < at) || call.args[at - 1] === '-u';
}

interface Outcome {
  /** Per case, the calls in sh and in bash. */
  sh: Call[][];
  bash: Call[][];
  /** Per frame form of the unit's command. */
  framed: Call[][];
}

const outcomes = new Map<number, Outcome>();
let traces: string[] = [];

// Everything runs in three shell processes (plus what the frames start), then each test reads its part.
beforeAll(() => {
  const bare = corpus.flatMap((p) => cases(p.value).map((c) => c.command));
  const framed = corpus.flatMap((p) => wrapped(cases(p.value)[0]!.command).map((w) => w.text));
  const sh = shell.run(bare, { functions: true });
  const bash = shell.run(bare, { shell: 'bash', functions: true });
  const frames = shell.run(framed, { functions: true });
  traces = shell.canaryTraces();
  const perCase = cases('x').length;
  corpus.forEach((p, i) => {
    outcomes.set(p.index, {
      sh: sh.calls.slice(i * perCase, (i + 1) * perCase),
      bash: bash.calls.slice(i * perCase, (i + 1) * perCase),
      framed: frames.calls.slice(i * FORMS, (i + 1) * FORMS),
    });
  });
}, 600_000);

function check(p: Payload): void {
  const outcome = outcomes.get(p.index)!;
  const all = cases(p.value);
  for (const sh of ['sh', 'bash'] as const) {
    all.forEach((c, i) => {
      expect(outcome[sh][i], `${c.field} in ${sh}`).toEqual([c.expected]);
      if (c.userTyped !== null) expect(readAsData(c.expected, c.userTyped), `${c.field}: read as an option`).toBe(true);
    });
  }
  // The frame the runner puts around a command must not change a thing: the unit's command in all
  // its forms (each starts three or four programs, so not every field gets all of them).
  const unit = all[0]!;
  expect(serverCommands.serviceState(p.value).simple, 'the unit command stays simple whatever the unit').toBe(true);
  wrapped(unit.command).forEach((f, i) => {
    const calls = outcome.framed[i]!;
    expect(
      calls.filter((call) => call.tool !== 'sudo'),
      `${unit.field}, ${f.form}`,
    ).toEqual([unit.expected]);
    if (f.sudo) expect(calls.find((call) => call.tool === 'sudo')?.args.slice(0, 2)).toEqual(['-n', 'env']);
  });
}

describe('the command builder passes every payload as one unchanged argument', () => {
  it('no payload, in any field, shell or frame, created the canary', () => {
    expect(traces).toEqual([]);
  });
  for (const p of corpus) it(payloadName(p), () => check(p));
});

describe('the preview plan is the builder', () => {
  it('has the same texts as the builder for every payload', () => {
    const c = serverCommands;
    for (const p of corpus) {
      const plan = serverCommandPlan({ port: 5432, addresses: [p.value], service: p.value }).flatMap((step) => step.commands);
      expect(plan, payloadName(p)).toEqual(expect.arrayContaining([c.serviceState(p.value).text, c.serviceLog(p.value).text, c.routeGet(p.value).text, c.selfProbeBash(p.value, 5432, true).text]));
    }
  });

  it('running the whole plan touches no canary (two payloads of each class)', () => {
    const plans = sample(corpus, 2).flatMap((p) => serverCommandPlan({ port: 5432, addresses: [p.value], service: p.value }).flatMap((step) => step.commands));
    const run = shell.run(plans, { functions: true });
    expect(run.calls.flat().length).toBeGreaterThan(plans.length / 2);
    expect(shell.canaryTraces()).toEqual([]);
  }, 120_000);
});

describe('the harness', () => {
  it('function stubs see the words program stubs see (one payload of each class)', () => {
    const some = sample(corpus, 1);
    const commands = some.flatMap((p) => cases(p.value).map((c) => c.command));
    expect(shell.run(commands).calls).toEqual(shell.run(commands, { functions: true }).calls);
  }, 120_000);

  it('sees an injection: an unquoted payload creates the canary and splits into several arguments', () => {
    const run = shell.run([`systemctl show ;touch ${shell.canary}`, 'systemctl show $(echo a b) *'], { functions: true });
    expect(shell.canaryTraces()).toEqual(['canary']);
    rmSync(shell.canary);
    expect(run.calls[1]).toEqual([{ tool: 'systemctl', args: ['show', 'a', 'b', 'a', 'b', 'nginx', 'tmp', 'x.service'] }]);
  });
});
