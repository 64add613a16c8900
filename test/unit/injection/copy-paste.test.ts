import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causeIndex } from '../../../shared/common/causes/catalog';
import { buildDiagnosis } from '../../../shared/common/causes/diagnosis';
import { expectedFor } from '../../../shared/common/manual/formats';
import type { Diagnosis } from '../../../shared/common/schema/report';
import type { Target } from '../../../shared/common/schema/target';
import { fillCommand } from '../../../shared/common/tree/evaluate';
import { treeNodes } from '../../../shared/common/tree/nodes';
import { payloadName, payloads, type Payload } from '../../fixtures/injection/corpus';
import { stubShell, type Call } from './stub-path';

// The commands Portwise shows for a person to copy and paste: the tree's "paste the output of ..."
// commands, the fix and verify commands of every cause, and the paste parser's "run this instead"
// hints. The free-text value that reaches them is the service name (`--service`, a profile's service
// hint); hosts and ports come from the parsed target (ssh-fields.test.ts). Each command is pasted into
// a real sh with the stub PATH: the canary must not appear, and the unit must arrive as one word that
// is not an option, or as the placeholder.

const shell = stubShell();
afterAll(() => shell.dispose());
const corpus = payloads(shell.canary);
const target: Target = { host: 'db.example.com', port: 5432, hostKind: 'name' };
const POSIX = new Set(['linux', 'debian', 'rhel', 'macos', 'freebsd', 'any']);

function fixCommands(d: Diagnosis): string[] {
  return [...d.remediation, d.verify].flatMap((step) => step.commands.filter((c) => POSIX.has(c.platform)).map((c) => c.command));
}

const diagnoses = (hint: string | null) => causeIndex.map((c) => buildDiagnosis({ cause: c.id, confidence: 'high', reason: 'test', missing: [], candidates: [] }, target, { serviceHint: hint, processNames: [] }));
const baseline = new Set(diagnoses(null).flatMap(fixCommands));
const pasteCommands = Object.values(treeNodes).flatMap((node) => Object.values(node.manual.paste?.commands ?? {}).filter((c): c is string => typeof c === 'string'));

/** The commands a payload as the service name puts in front of a person. */
function shownCommands(p: string): string[] {
  // Fix commands that the hint changed (the others are the catalog's own text, checked once below).
  const fixes = diagnoses(p).flatMap(fixCommands).filter((c) => !baseline.has(c));
  const pastes = pasteCommands.filter((c) => c.includes('{service}')).map((c) => fillCommand(c, { target, serviceHint: p }));
  const hints = [...expectedFor('service', p).matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  return [...new Set([...fixes, ...pastes, ...hints])];
}

/** The options the catalog's own systemctl commands use; any other dash word is a unit read as an option. */
const SYSTEMCTL_OPTIONS = new Set(['-p', '--no-pager', '--now']);

/** Where systemctl and journalctl take a unit: the words after the verb (not -p's value), the word after -u. */
function unitWords(call: Call): string[] {
  if (call.tool === 'journalctl') return call.args.flatMap((a, i) => (call.args[i - 1] === '-u' ? [a] : []));
  if (call.tool !== 'systemctl') return [];
  const words: string[] = [];
  let ended = false;
  for (let i = 0; i < call.args.length; i++) {
    const a = call.args[i]!;
    if (!ended && a === '--') ended = true;
    else if (!ended && SYSTEMCTL_OPTIONS.has(a)) i += a === '-p' ? 1 : 0;
    else words.push(a);
  }
  return words.slice(1);
}

let runs: Map<number, { commands: string[]; calls: Call[][] }>;

beforeAll(() => {
  const perPayload = corpus.map((p) => shownCommands(p.value));
  const run = shell.run(perPayload.flat(), { functions: true });
  runs = new Map();
  let at = 0;
  corpus.forEach((p, i) => {
    const commands = perPayload[i]!;
    runs.set(p.index, { commands, calls: run.calls.slice(at, at + commands.length) });
    at += commands.length;
  });
}, 300_000);

function check(p: Payload): void {
  const { commands, calls } = runs.get(p.index)!;
  // The service paste and the paste hints always name the unit, as a word or as the placeholder.
  expect(commands.length).toBeGreaterThanOrEqual(2);
  for (const [i, command] of commands.entries()) {
    for (const call of calls[i]!) {
      for (const word of unitWords(call)) {
        // One plain unit word, never an option, never carrying the payload's shell syntax.
        expect(word, command).toMatch(/^[A-Za-z0-9:_.\\@][A-Za-z0-9:_.\\@-]*$/);
        const bare = word.replace(/\.(service|socket)$/, '');
        if (bare !== 'SERVICE' && bare !== 'UNIT') expect(p.value.trim(), command).toContain(bare);
      }
    }
  }
}

describe('commands shown for copy-paste, with the payload as the service name', () => {
  it('no pasted command created the canary', () => {
    expect(shell.canaryTraces()).toEqual([]);
  });
  for (const p of corpus) it(payloadName(p), () => check(p));
});

describe('the catalog commands themselves', () => {
  it('every tree paste command runs as written with the stub PATH, and names its unit as one word', () => {
    const commands = pasteCommands.map((c) => fillCommand(c, { target, serviceHint: 'nginx' }));
    const run = shell.run(commands, { functions: true });
    expect(run.calls.flat().length).toBeGreaterThan(commands.length / 2);
    const units = run.calls.flat().flatMap(unitWords);
    expect(units.length).toBeGreaterThan(0);
    expect(new Set(units)).toEqual(new Set(['nginx']));
  }, 60_000);

  it('a unit that looks like an option stays the placeholder', () => {
    for (const hint of ['-Hroot@198.18.0.254', '--root=/', '-.mount']) {
      expect(expectedFor('service', hint)).toContain('systemctl show UNIT');
      expect(pasteCommands.filter((c) => c.includes('{service}')).map((c) => fillCommand(c, { target, serviceHint: hint })).join('\n')).not.toContain(hint);
      expect(diagnoses(hint).flatMap(fixCommands).join('\n')).not.toContain(hint);
    }
  });
});
