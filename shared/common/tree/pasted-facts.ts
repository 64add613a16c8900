import { parsePaste, serverFactsWithPastes, type PastePatch } from '../manual/paste';
import type { Answers } from '../schema/answers';
import type { Evidence } from '../schema/report';
import { fillCommand } from './evaluate';
import { addressResults, type DiagnosisFacts } from './facts';
import { treeNodes } from './nodes';
import type { NodeId, TreeNode } from './types';

export interface PastedFacts {
  facts: DiagnosisFacts;
  /** One piece of evidence per paste, marked as pasted by a person, with the raw text. */
  evidence: Evidence[];
  /** Pastes that did not parse as what their step asked for: a clear sentence each. */
  errors: string[];
}

/**
 * Manual mode: output a person pasted at a step is parsed by the same parsers as the SSH evidence
 * and joins the server's facts, so the tree reads it exactly as if Portwise had run the command.
 */
export function withPastedFacts(facts: DiagnosisFacts, answers: Answers, at: Date, nodes: Readonly<Record<NodeId, TreeNode>> = treeNodes): PastedFacts {
  const evidence: Evidence[] = [];
  const errors: string[] = [];
  const patches: PastePatch[] = [];
  const failing = addressResults(facts)
    .filter((r) => r.status !== 'connected')
    .map((r) => ({ address: r.address.address, family: r.address.family }));
  const ctx = { port: facts.target.port, failing, service: facts.serviceHint };
  for (const [id, answer] of Object.entries(answers)) {
    const node = (nodes as Record<string, TreeNode | undefined>)[id];
    const request = node?.manual.paste;
    if (answer.paste === undefined || !node || !request) continue;
    const parsed = parsePaste(request.kind, answer.paste, ctx);
    const command = Object.values(request.commands)[0] ?? request.hint;
    if (!parsed.ok) {
      errors.push(`${id}: ${parsed.error.message}`);
      continue;
    }
    patches.push(parsed.value.patch);
    evidence.push({
      id: `pasted:${id}`,
      where: 'pasted by a person',
      command: `${fillCommand(command, facts)} (as pasted; read as ${parsed.value.format})`,
      startedAt: at.toISOString(),
      ms: 0,
      status: 'ok',
      summary: parsed.value.summary,
      raw: answer.paste,
      origin: 'pasted',
      facts: { check: 'pasted', node: id, kind: request.kind },
    });
  }
  if (patches.length === 0) return { facts, evidence, errors };
  const remote = serverFactsWithPastes(facts.remote, patches, facts.remote?.server ?? facts.target.host);
  return { facts: { ...facts, remote }, evidence, errors };
}
