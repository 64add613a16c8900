import type { CallResponse } from '../common/ipc';
import type { Report } from '../common/schema/report';
import { factsFromReport } from '../common/tree/revise';
import { probeAddress } from './probes/tcp';

/**
 * Verify-fix: the addresses that failed in a finished report are probed once more, the same way, so
 * the wizard can show before and after. Bounded: one connect per address, each with the report's deadline.
 */
export async function verifyFix(report: Report, signal?: AbortSignal): Promise<CallResponse<'verifyFix'>> {
  const facts = factsFromReport(report);
  if (!facts || facts.resolution.status !== 'resolved' || facts.probes.length === 0) {
    return { ok: false, error: { code: 'nothing-to-verify', message: 'This report has no probed addresses to try again.' } };
  }
  const failed = facts.resolution.addresses.filter((a) => facts.probes.some((p) => p.address === a.address && p.status !== 'connected'));
  const targets = failed.length > 0 ? failed : facts.resolution.addresses;
  const options = { timeoutMs: report.options.timeoutMs, closeGraceMs: report.options.closeGraceMs };
  const at = new Date().toISOString();
  const after = await Promise.all(targets.map((a) => probeAddress(a.address, a.family, facts.target.port, 1, options, signal)));
  const before = facts.probes.filter((p) => targets.some((t) => t.address === p.address));
  return { ok: true, at, before, after, fixed: after.every((a) => a.status === 'connected') };
}
