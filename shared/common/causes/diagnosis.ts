import type { Diagnosis } from '../schema/report';
import type { Target } from '../schema/target';
import type { Verdict } from '../tree/evaluate';
import { causeSummary } from './catalog';
import { causeDefinitions, fillCommands, fillPlaceholders, type RemediationStep } from './definitions';
import { detectService, unitNames } from './services';

/** What is known about the service besides the target: the user's `--service`, the listeners' owners. */
export interface DiagnosisContext {
  serviceHint: string | null;
  processNames: readonly string[];
}

const noContext: DiagnosisContext = { serviceHint: null, processNames: [] };

/**
 * Turns the tree's verdict into the words and fix steps a person reads. Pure. When the service can
 * be told (catalog Appendix A), its own steps come first, then the generic ones.
 */
export function buildDiagnosis(verdict: Verdict, target: Target, context: DiagnosisContext = noContext): Diagnosis {
  const definition = causeDefinitions[verdict.cause];
  const service = detectService({ hint: context.serviceHint, processNames: context.processNames, port: target.port });
  const ctx = { host: target.host, port: target.port, ...unitNames(context.serviceHint, service) };
  const fill = (text: string) => fillPlaceholders(text, ctx);
  const fillStep = (step: RemediationStep) => ({
    text: fill(step.text),
    commands: fillCommands(step.commands, ctx),
  });
  const serviceSteps = (service && definition.services?.[service.id]) ?? [];
  const title = causeSummary(verdict.cause).title;
  return {
    cause: verdict.cause,
    title,
    confidence: verdict.confidence,
    summary: `${title}. ${verdict.reason}`,
    reason: verdict.reason,
    explanation: fill(definition.explanation),
    proof: fill(definition.proof),
    // Named only when the fix is written for it: a DNS failure on port 5432 is not a PostgreSQL fix.
    service: service && serviceSteps.length > 0 ? { id: service.id, name: service.name } : null,
    remediation: [...serviceSteps, ...definition.remediation].map(fillStep),
    verify: fillStep(definition.verify),
    missing: verdict.missing,
    candidates: verdict.candidates.map((id) => ({ id, title: causeSummary(id).title })),
  };
}
