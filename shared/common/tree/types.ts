import type { CauseId } from '../causes/catalog';
import type { VerdictCauseId } from '../causes/definitions';
import type { CheckId, Confidence } from '../schema/report';
import type { DiagnosisFacts } from './facts';

export type Decision =
  | { kind: 'next'; node: NodeId; reason: string }
  | { kind: 'leaf'; cause: VerdictCauseId; confidence: Confidence; reason: string }
  | { kind: 'inconclusive'; reason: string; missing: string[]; candidates: CauseId[] };

export type NodeId =
  | 'T0' | 'T1' | 'T2' | 'T3' | 'T4' | 'T6' | 'T9' | 'T10' | 'T11' | 'T12' | 'T13' | 'T14' | 'T15' | 'T16' | 'T17' | 'T18'
  | 'T20' | 'T30' | 'T40' | 'T50';

/** One decision node of refused-catalog.md §3, as data. */
export interface TreeNode {
  id: NodeId;
  title: string;
  /** Why this step matters, in words for the person following the wizard. */
  why: string;
  /** The evidence `decide` reads. */
  checks: readonly CheckId[];
  /** The question to ask a person when the checks cannot run. */
  ask: string;
  decide(facts: DiagnosisFacts): Decision;
}
