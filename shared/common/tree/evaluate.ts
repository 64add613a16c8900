import { causeSummary, isCauseId } from '../causes/catalog';
import type { CauseId } from '../causes/catalog';
import type { Answers, NodeAnswer } from '../schema/answers';
import type { Confidence, PathStep, PendingQuestion } from '../schema/report';
import { shellQuote } from '../shell';
import { detectService, unitName } from '../causes/services';
import { destination } from './decisions';
import type { DiagnosisFacts } from './facts';
import { ROOT_NODE, treeNodes } from './nodes';
import type { AskDecision, Branch, NodeId, SettledDecision, TreeNode } from './types';

export interface Verdict {
  cause: CauseId;
  confidence: Confidence;
  reason: string;
  missing: string[];
  candidates: CauseId[];
}

export interface Evaluation {
  path: PathStep[];
  verdict: Verdict;
  /** The question the walk stopped at for want of evidence; null when the evidence was enough. */
  pending: PendingQuestion | null;
}

export interface EvaluateOptions {
  /** A person's choices and overrides, by node id (pastes are already merged into the facts). */
  answers?: Answers;
  nodes?: Readonly<Record<NodeId, TreeNode>>;
  root?: NodeId;
}

/** A bug in the tree data, never a user error: a decision led somewhere its node does not declare. */
export class TreeDataError extends Error {}

/**
 * Walks the tree from the root with the facts at hand and a person's answers. Pure: the same facts
 * and answers give the same path. A node is never visited twice (a cycle, which only an override
 * chain could make, ends inconclusive). The walk stops at the first question nobody answered whose
 * fallback ends it; that question is returned as `pending`.
 */
export function evaluate(facts: DiagnosisFacts, options: EvaluateOptions = {}): Evaluation {
  const nodes = options.nodes ?? treeNodes;
  const answers = options.answers ?? {};
  const path: PathStep[] = [];
  const visited = new Set<NodeId>();
  let current: NodeId = options.root ?? ROOT_NODE;
  for (;;) {
    if (visited.has(current)) {
      return { path, pending: null, verdict: { cause: 'inconclusive', confidence: 'low', reason: `The walk returned to ${current} (through an override); stopping.`, missing: [], candidates: [] } };
    }
    visited.add(current);
    const node = nodes[current];
    const decision = node.decide(facts);
    const answer: NodeAnswer | undefined = answers[node.id];
    const automatic = decision.kind === 'ask' ? decision.fallback : decision;
    checkBranch(node, destination(automatic));

    let settled: SettledDecision;
    let step: Pick<PathStep, 'by' | 'automatic' | 'overrideReason'>;
    let pending: PendingQuestion | null = null;
    if (answer?.override) {
      const to = answer.override.to as Branch;
      checkBranch(node, to);
      const auto = decision.kind === 'ask' ? null : destination(decision);
      const was = auto ? `the evidence led to ${auto}` : 'the evidence could not decide';
      settled = toDecision(to, `Overridden by a person (${was}): ${answer.override.reason}`, 'low');
      step = { by: 'override', automatic: auto, overrideReason: answer.override.reason };
    } else if (decision.kind === 'ask' && answer?.choice !== undefined) {
      const choice = node.manual.choices.find((c) => c.id === answer.choice);
      if (!choice) throw new TreeDataError(`${node.id} has no answer "${answer.choice}"`);
      checkBranch(node, choice.leadsTo);
      settled = toDecision(choice.leadsTo, `${decision.reason} Answered by a person: ${choice.label}.`, 'medium');
      step = { by: 'answer', automatic: null, overrideReason: null };
    } else {
      settled = automatic;
      step = { by: 'evidence', automatic: null, overrideReason: null };
      if (decision.kind === 'ask' && settled.kind !== 'next') pending = pendingQuestion(node, decision, facts);
      // The evidence decided; a person's answer here is kept in view, never dropped in silence.
      const label = node.manual.choices.find((c) => c.id === answer?.choice)?.label;
      if (label) settled = { ...settled, reason: `${settled.reason} (A person answered "${label}", but the evidence decided; override this step to go against it.)` };
    }

    const taken = destination(settled);
    path.push({ node: node.id, title: node.title, why: node.why, checks: [...node.checks], reason: settled.reason, next: taken, ...step, alternatives: alternativesOf(node, taken, nodes) });
    switch (settled.kind) {
      case 'next':
        current = settled.node;
        break;
      case 'leaf': {
        // Past an override the later steps read evidence the person chose to set aside: never high.
        const overridden = path.some((s) => s.by === 'override');
        const confidence = overridden && settled.confidence !== 'low' ? 'low' : settled.confidence;
        return { path, pending, verdict: { cause: settled.cause, confidence, reason: settled.reason, missing: pending ? pending.missing : [], candidates: [] } };
      }
      case 'inconclusive':
        return {
          path,
          pending,
          verdict: { cause: 'inconclusive', confidence: 'low', reason: settled.reason, missing: settled.missing, candidates: settled.candidates.filter((id) => causeSummary(id)) },
        };
    }
  }
}

/** The branches a person could send this step to instead, titled for a menu. */
function alternativesOf(node: TreeNode, taken: Branch, nodes: Readonly<Record<NodeId, TreeNode>>): PathStep['alternatives'] {
  return node.branches.filter((b) => b !== taken).map((to) => ({ to, title: isCauseId(to) ? causeSummary(to).title : `${to}: ${nodes[to].title}` }));
}

function checkBranch(node: TreeNode, to: Branch): void {
  if (!node.branches.includes(to)) throw new TreeDataError(`${node.id} cannot lead to ${to}; its branches are ${node.branches.join(', ')}`);
}

function toDecision(to: Branch, reason: string, confidence: Confidence): SettledDecision {
  if (to === 'inconclusive') return { kind: 'inconclusive', reason, missing: [], candidates: [] };
  if (isCauseId(to)) return { kind: 'leaf', cause: to, confidence, reason };
  return { kind: 'next', node: to, reason };
}

/** The question a node asks, with its paste commands filled in for this target. */
export function pendingQuestion(node: TreeNode, decision: AskDecision, facts: DiagnosisFacts): PendingQuestion {
  const paste = node.manual.paste;
  return {
    node: node.id,
    title: node.title,
    why: node.why,
    question: node.manual.question,
    reason: decision.reason,
    choices: node.manual.choices.map((c) => ({ id: c.id, label: c.label, leadsTo: c.leadsTo })),
    paste: paste
      ? { kind: paste.kind, hint: paste.hint, commands: Object.entries(paste.commands).map(([os, command]) => ({ os, command: fillCommand(command ?? '', facts) })) }
      : null,
    missing: decision.missing,
  };
}

/**
 * Fills a command's placeholders. The service is named by its systemd unit, found the same way as in
 * the fix's commands (`pg` is `postgresql`; a name no unit could have stays the word SERVICE), and
 * quoted as one shell word, so a pasted-back command cannot run anything else on the server.
 */
export function fillCommand(command: string, facts: Pick<DiagnosisFacts, 'target' | 'serviceHint'>): string {
  const service = detectService({ hint: facts.serviceHint, processNames: [], port: facts.target.port });
  return command.replaceAll('{port}', String(facts.target.port)).replaceAll('{service}', shellQuote(unitName(facts.serviceHint, service)));
}

/** Checks a person's answers against the tree: known nodes, allowed choices, pastes where asked, overrides to real branches. */
export function checkAnswers(answers: Answers, nodes: Readonly<Record<NodeId, TreeNode>> = treeNodes): string[] {
  const errors: string[] = [];
  for (const [id, answer] of Object.entries(answers)) {
    const node = (nodes as Record<string, TreeNode | undefined>)[id];
    if (!node) {
      errors.push(`${id}: not a step of the decision tree (steps are T0 to T60, e.g. T13)`);
      continue;
    }
    if (answer.choice !== undefined && !node.manual.choices.some((c) => c.id === answer.choice)) {
      errors.push(`${id}: "${answer.choice}" is not an answer to this step; the answers are ${node.manual.choices.map((c) => c.id).join(', ')}`);
    }
    if (answer.paste !== undefined && !node.manual.paste) errors.push(`${id}: this step takes no pasted output`);
    if (answer.override && !node.branches.includes(answer.override.to as Branch)) {
      errors.push(`${id}: cannot override to "${answer.override.to}"; this step leads to ${node.branches.join(', ')}`);
    }
  }
  return errors;
}
