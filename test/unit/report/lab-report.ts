import { readFileSync } from 'node:fs';
import { Report } from '../../../shared/common/schema/report';

/**
 * A real report: `portwise diagnose --ssh ... --json` against the netns lab, a server whose port is
 * rejected by an iptables rule (test/fixtures/report/README.md says how it was captured). Parsed
 * with the schema, so a renderer test starts from what the engine really writes.
 */
export function labReport(): Report {
  return Report.parse(JSON.parse(readFileSync(new URL('../../fixtures/report/iptables-reject.json', import.meta.url), 'utf8')));
}
