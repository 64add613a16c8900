import { buildDiagnosis } from '../causes/diagnosis';
import type { Answers } from '../schema/answers';
import type { Diagnosis, Evidence, PathStep, PendingQuestion } from '../schema/report';
import { evaluate } from './evaluate';
import type { DiagnosisFacts } from './facts';
import { withPastedFacts } from './pasted-facts';

export interface Conclusion {
  path: PathStep[];
  pending: PendingQuestion | null;
  diagnosis: Diagnosis;
  /** What a person pasted, as evidence (plus the server facts it adds up to, and any paste that did not parse). */
  pastedEvidence: Evidence[];
}

/**
 * From the collected facts and a person's answers to the diagnosis: pastes are parsed into facts,
 * the tree is walked, the verdict is put into words. Pure; the session and a revision after new
 * answers both end here, so an answer given later gives exactly the report it would have given first.
 */
export function conclude(collected: DiagnosisFacts, answers: Answers, at: Date): Conclusion {
  const pasted = withPastedFacts(collected, answers, at);
  const facts = pasted.facts;
  const pastedEvidence = [...pasted.evidence, ...pasted.errors.map((message) => pasteErrorEvidence(message, at))];
  if (facts.remote && facts.remote !== collected.remote) {
    const r = facts.remote;
    pastedEvidence.push({
      id: 'server-facts:pasted',
      where: r.server,
      command: 'the pasted outputs above, as read by the decision tree',
      startedAt: at.toISOString(),
      ms: 0,
      status: 'ok',
      summary: `${r.listeners.status === 'ok' ? `${r.listeners.listeners.length} listener(s) on the port` : 'no listener table'}; ${r.firewall.snapshots.length} rule set(s)${r.service ? `; service ${r.service.unit} ${r.service.activeState}` : ''}.`,
      raw: null,
      origin: 'pasted',
      facts: { check: 'server-facts', remote: r },
    });
  }
  const { path, verdict, pending } = evaluate(facts, { answers });
  const processNames = [...(facts.remote?.listeners.listeners ?? []), ...(facts.localListeners?.status === 'ok' ? facts.localListeners.listeners : [])]
    .filter((l) => l.port === facts.target.port)
    .flatMap((l) => l.processes.map((p) => p.name));
  const diagnosis = buildDiagnosis(verdict, facts.target, { serviceHint: facts.serviceHint, processNames });
  return { path, pending, diagnosis, pastedEvidence };
}

function pasteErrorEvidence(message: string, at: Date): Evidence {
  const node = message.split(':')[0] ?? '';
  return {
    id: `pasted-error:${node}`,
    where: 'pasted by a person',
    command: 'pasted output',
    startedAt: at.toISOString(),
    ms: 0,
    status: 'error',
    summary: message,
    raw: null,
    origin: 'pasted',
    facts: { check: 'pasted', node, kind: 'unreadable' },
  };
}
