import { causeSummary } from '../causes/catalog';
import type { CauseId } from '../causes/catalog';
import type { VerdictCauseId } from '../causes/definitions';
import type { Confidence, PathStep } from '../schema/report';
import type { DiagnosisFacts } from './facts';
import { ROOT_NODE, treeNodes } from './nodes';
import type { NodeId, TreeNode } from './types';

export interface Verdict {
  cause: VerdictCauseId;
  confidence: Confidence;
  reason: string;
  missing: string[];
  candidates: CauseId[];
}

export interface Evaluation {
  path: PathStep[];
  verdict: Verdict;
}

/**
 * Walks the tree from the root with the facts at hand. Pure: the same facts give the same path.
 * A node is never visited twice; a cycle would be a bug in the tree data and ends inconclusive.
 */
export function evaluate(facts: DiagnosisFacts, nodes: Readonly<Record<NodeId, TreeNode>> = treeNodes, root: NodeId = ROOT_NODE): Evaluation {
  const path: PathStep[] = [];
  const visited = new Set<NodeId>();
  let current: NodeId = root;
  for (;;) {
    if (visited.has(current)) {
      return { path, verdict: { cause: 'inconclusive', confidence: 'low', reason: `The decision tree returned to ${current}; stopping.`, missing: [], candidates: [] } };
    }
    visited.add(current);
    const node = nodes[current];
    const decision = node.decide(facts);
    switch (decision.kind) {
      case 'next':
        path.push({ node: node.id, title: node.title, reason: decision.reason, next: decision.node });
        current = decision.node;
        break;
      case 'leaf':
        path.push({ node: node.id, title: node.title, reason: decision.reason, next: decision.cause });
        return { path, verdict: { cause: decision.cause, confidence: decision.confidence, reason: decision.reason, missing: [], candidates: [] } };
      case 'inconclusive':
        path.push({ node: node.id, title: node.title, reason: decision.reason, next: 'inconclusive' });
        return {
          path,
          verdict: { cause: 'inconclusive', confidence: 'low', reason: decision.reason, missing: decision.missing, candidates: decision.candidates.filter((id) => causeSummary(id)) },
        };
    }
  }
}
