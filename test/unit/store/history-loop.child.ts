// The child process of history-store.kill.test.ts, bundled with Vite and run under plain Node: it
// saves reports as fast as it can (the history keeping the newest 5) until it is killed.
// Usage: node history-loop.child.mjs PORTWISE_HOME REPORT_JSON
import { readFileSync } from 'node:fs';
import { Report } from '../../../shared/common/schema/report';
import { openHistoryStore } from '../../../shared/node/store/history-store';

const [home, reportFile] = process.argv.slice(2);
if (!home || !reportFile) throw new Error('usage: history-loop.child.mjs PORTWISE_HOME REPORT_JSON');
const report = Report.parse(JSON.parse(readFileSync(reportFile, 'utf8')));
const history = openHistoryStore({ env: { PORTWISE_HOME: home }, limit: 5 });

const start = Date.now();
for (let n = 1; ; n++) {
  // Each report its own moment and a counter in what was typed, so the parent can tell them apart.
  const finishedAt = new Date(start + n).toISOString();
  await history.save({ ...report, finishedAt, target: { ...report.target, input: `run ${n}` } });
  process.stdout.write(`${n}\n`);
}
