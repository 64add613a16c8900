import type { Report } from '../../shared/common/schema/report';

/** The report as a file, until the Markdown/HTML/PDF exports come: its JSON, and a name for it. */

/** `portwise-report-HOST-PORT.json`, with anything a file system may refuse (the colons of IPv6) made safe. */
export function reportFileName(report: Pick<Report, 'target'>): string {
  const host = report.target.host.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^\.+/, '_');
  return `portwise-report-${host}-${report.target.port}.json`;
}

/** The `portwise.report/1` document, as `portwise diagnose --json` prints it. */
export function reportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
