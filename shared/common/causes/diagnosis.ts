import type { Diagnosis } from '../schema/report';
import type { Target } from '../schema/target';
import type { Verdict } from '../tree/evaluate';
import { causeSummary } from './catalog';
import { causeDefinitions, fillPlaceholders } from './definitions';

/** Turns the tree's verdict into the words and fix steps a person reads. Pure. */
export function buildDiagnosis(verdict: Verdict, target: Target): Diagnosis {
  const definition = causeDefinitions[verdict.cause];
  const ctx = { host: target.host, port: target.port };
  const fill = (text: string) => fillPlaceholders(text, ctx);
  const title = causeSummary(verdict.cause).title;
  return {
    cause: verdict.cause,
    title,
    confidence: verdict.confidence,
    summary: `${title}. ${verdict.reason}`,
    reason: verdict.reason,
    explanation: fill(definition.explanation),
    proof: fill(definition.proof),
    remediation: definition.remediation.map((step) => ({
      text: fill(step.text),
      commands: step.commands.map((c) => ({ platform: c.platform, command: fill(c.command) })),
    })),
    verify: fill(definition.verify),
    missing: verdict.missing,
    candidates: verdict.candidates.map((id) => ({ id, title: causeSummary(id).title })),
  };
}
