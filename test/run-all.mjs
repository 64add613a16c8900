// `npm test`: everything, in the order that fails fastest. System packages, lint, types, build,
// then the unit, lab and browser tiers one after another (2 cores: no tier competes for them).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { ensureSystemDeps } from './tools/system-deps.mjs';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const results = [];

function step(name, command, args, env = {}) {
  const started = Date.now();
  console.error(`\n== ${name}: ${command} ${args.join(' ')}`);
  const run = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.error(`== ${name}: ${run.status === 0 ? 'ok' : `FAILED (exit ${run.status ?? run.signal})`} in ${seconds}s`);
  return run.status === 0;
}

try {
  ensureSystemDeps();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

mkdirSync('test-results', { recursive: true });
const gates = [
  ['lint', npx, ['eslint', '--max-warnings', '0', '.']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['build', 'npm', ['run', '--silent', 'build']],
];
for (const [name, command, args] of gates) {
  if (!step(name, command, args)) process.exit(1);
}

let failedTiers = 0;
// The bench tier runs its quick form only to keep `npm run bench` working; its figures gate nothing.
const tiers = [['unit'], ['lab'], ['e2e'], ['bench', { PORTWISE_BENCH_QUICK: '1' }]];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
for (const [project, env] of tiers) {
  // The lab builds namespaces, firewall rules and containers: it needs root. In CI it always runs
  // (and fails if it cannot); on a workstation without root it says how to run it instead.
  if (project === 'lab' && !isRoot && !process.env.CI) {
    console.error('\n== tests (lab): not run: the lab needs root (network namespaces, iptables, systemd-nspawn).');
    console.error('   Run it with: sudo npm run test:lab   (or run `npm test` as root, as CI does)');
    results.push({ project, passed: 0, failed: 0, skipped: 0, total: 0, notRun: true });
    continue;
  }
  const report = `test-results/vitest-${project}.json`;
  const ok = step(`tests (${project})`, npx, ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], env);
  if (!ok) failedTiers++;
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    const problems = problemsIn(json);
    results.push({ project, passed: json.numPassedTests, failed: json.numFailedTests, skipped: json.numPendingTests + json.numTodoTests, total: json.numTotalTests, failedFiles: json.numFailedTestSuites ?? 0, problems });
  } else {
    results.push({ project, passed: 0, failed: 1, skipped: 0, total: 0 });
  }
}

const sum = (key) => results.reduce((n, r) => n + (r[key] ?? 0), 0);
// The summary is the end of the log, the part a CI page shows: it names what went wrong, so a red
// run can be read without the thousands of lines above it. A file can fail with no failed test (a
// hook that threw, a worker that died): its tests then count as skipped, and its error is here.
for (const r of results) {
  console.error(`   ${r.project.padEnd(5)} ${r.notRun ? 'not run (needs root)' : `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${r.failedFiles ? `, ${r.failedFiles} file(s) failed` : ''}`}`);
  for (const line of r.problems ?? []) console.error(`         ${line}`);
}
// In CI nothing may skip silently: a skipped test is a failure of the run.
const skipped = sum('skipped');
if (process.env.CI && skipped > 0) console.error(`CI: ${skipped} test(s) skipped; that fails the run.`);
console.log(`tests: ${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
const emptyTier = results.find((r) => r.total === 0 && !r.notRun);
if (emptyTier) console.error(`The ${emptyTier.project} tier ran no test.`);
process.exit(failedTiers > 0 || sum('failed') > 0 || sum('failedFiles') > 0 || emptyTier || (process.env.CI && skipped > 0) ? 1 : 0);

/** What a tier's JSON report says went wrong: each failed file's own error, each test that did not pass (bounded). */
function problemsIn(json) {
  const lines = [];
  for (const file of json.testResults ?? []) {
    const name = file.name.startsWith(process.cwd()) ? file.name.slice(process.cwd().length + 1) : file.name;
    const notPassed = (file.assertionResults ?? []).filter((t) => t.status !== 'passed');
    if (file.status === 'failed' && file.message) lines.push(`${name}: ${firstLine(file.message)}`);
    for (const t of notPassed) lines.push(`${name} > ${t.fullName}: ${t.status}${t.failureMessages?.length ? ` (${firstLine(t.failureMessages[0])})` : ''}`);
  }
  return lines.length > 40 ? [...lines.slice(0, 40), `... and ${lines.length - 40} more`] : lines;
}

function firstLine(text) {
  const line = String(text).split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}
