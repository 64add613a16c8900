import type { Report } from '../../../shared/common/schema/report';
import { addr, facts, reportFrom, resolved, rounds } from '../tree/factories';

/** A finished report of a refused port, walked by the real tree (no evidence): what the history keeps. */
export function refusedReport(input = 'db.example.com:5432'): Report {
  return reportFrom(facts(input, resolved('db.example.com', [addr('192.0.2.10')]), rounds('192.0.2.10', 'refused')), input);
}
