import type { CauseId } from '../causes/catalog';
import type { Confidence } from '../schema/report';
import type { DiagnosisFacts } from './facts';

/** Every decision node of refused-catalog.md §3 (33 of them, T6a and T6b included). */
export const NODE_IDS = [
  'T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T6a', 'T6b', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'T13', 'T13a',
  'T14', 'T14a', 'T15', 'T16', 'T17', 'T18', 'T18a', 'T19', 'T20', 'T30', 'T31', 'T40', 'T50', 'T51', 'T55', 'T60',
] as const;
export type NodeId = (typeof NODE_IDS)[number];

export function isNodeId(id: string): id is NodeId {
  return (NODE_IDS as readonly string[]).includes(id);
}

/** Where a step can lead: another node, or a leaf named by its catalog id. */
export type Branch = NodeId | CauseId;

/** A decision that ends the walk or moves it on. */
export type SettledDecision =
  | { kind: 'next'; node: NodeId; reason: string }
  | { kind: 'leaf'; cause: CauseId; confidence: Confidence; reason: string }
  | { kind: 'inconclusive'; reason: string; missing: string[]; candidates: CauseId[] };

/**
 * The node needs evidence it does not have. A person's answer (a choice, or pasted output that
 * fills the facts) moves the walk on; without one the walk ends at `fallback`, and the question is
 * reported as pending.
 */
export type AskDecision = { kind: 'ask'; reason: string; missing: string[]; fallback: SettledDecision };

export type Decision = SettledDecision | AskDecision;

/** What kind of output a person can paste at a step; each kind has one parser family (manual/paste.ts). */
export const PASTE_KINDS = ['listeners', 'addresses', 'service', 'firewall', 'containers'] as const;
export type PasteKind = (typeof PASTE_KINDS)[number];

/** Server OS families whose read-only commands differ (catalog §2). */
export type OsFamily = 'linux' | 'busybox';

export interface ManualChoice {
  /** Stable id, used in answers files: `{"T2": {"choice": "ssh-tunnel"}}`. */
  id: string;
  label: string;
  leadsTo: Branch;
}

export interface PasteRequest {
  kind: PasteKind;
  /** The exact read-only command per OS family; `{port}`, `{address}` and `{service}` are filled in. */
  commands: Readonly<Partial<Record<OsFamily, string>>>;
  /** What to paste, in one sentence. */
  hint: string;
}

/** The question for a person when the checks cannot run, with its allowed answers. */
export interface ManualStep {
  question: string;
  choices: readonly ManualChoice[];
  paste: PasteRequest | null;
}

/** One decision node of refused-catalog.md §3, as data. */
export interface TreeNode {
  id: NodeId;
  title: string;
  /** Why this step matters, in words for the person following the wizard. */
  why: string;
  /** The evidence `decide` reads, in words. */
  checks: readonly string[];
  /** Every place `decide`, an answer or an override may lead; the evaluator refuses anything else. */
  branches: readonly Branch[];
  manual: ManualStep;
  /** Pure: the same facts give the same decision. */
  decide(facts: DiagnosisFacts): Decision;
}
