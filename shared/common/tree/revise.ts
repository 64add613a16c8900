import { err, ok, type Result } from '../result';
import type { Answers } from '../schema/answers';
import type { Report } from '../schema/report';
import { conclude } from './conclude';
import { checkAnswers } from './evaluate';
import type { DiagnosisFacts } from './facts';

/**
 * The facts a finished report was concluded from, read back from its collected evidence (pasted
 * evidence is left out: the answers bring it back). Null when the report holds no probe evidence.
 */
export function factsFromReport(report: Report): DiagnosisFacts | null {
  const collected = report.evidence.filter((e) => e.origin === 'collected');
  const find = <C extends Report['evidence'][number]['facts']['check']>(check: C) =>
    collected.map((e) => e.facts).find((f): f is Extract<Report['evidence'][number]['facts'], { check: C }> => f.check === check);
  const dns = find('dns');
  if (!dns) return null;
  const { input: _input, ...target } = report.target;
  const baseline = find('baseline');
  return {
    target,
    resolution: dns.resolution,
    probes: find('tcp-probe')?.attempts ?? [],
    localListeners: find('local-listeners')?.table ?? null,
    proxy: find('proxy-env')?.proxy ?? null,
    remote: find('server-facts')?.remote ?? null,
    baseline:
      baseline && baseline.attempt.status === 'connected'
        ? { address: baseline.attempt.address, port: baseline.attempt.port, ms: baseline.attempt.ms, source: `TCP connect to the SSH port ${baseline.attempt.port}` }
        : null,
    serviceHint: report.service,
    symptom: report.symptom,
    sshFailure: report.sshFailure,
  };
}

/**
 * A finished report walked again with a person's answers (a choice, a paste, an override): the
 * wizard's manual mode. Pure; the answers replace the report's previous ones entirely.
 */
export function reviseReport(report: Report, answers: Answers, at: Date): Result<Report, string[]> {
  const problems = checkAnswers(answers);
  if (problems.length > 0) return err(problems);
  const facts = factsFromReport(report);
  if (!facts) return err(['This report holds no probe evidence to walk the tree again.']);
  const { path, pending, diagnosis, pastedEvidence } = conclude(facts, answers, at);
  const unreadable = pastedEvidence.filter((e) => e.status === 'error').map((e) => e.summary);
  if (unreadable.length > 0) return err(unreadable);
  return ok({
    ...report,
    finishedAt: at.toISOString(),
    diagnosis,
    path,
    pending,
    answers,
    evidence: [...report.evidence.filter((e) => e.origin === 'collected'), ...pastedEvidence],
  });
}
