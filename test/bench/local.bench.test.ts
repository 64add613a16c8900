import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EventPayload } from '../../shared/common/ipc';
import { parseProcNetTcp, parseProcNetTcpListeners, procListeners } from '../../shared/common/parsers/proc-net-tcp';
import { createHandlerTable, type HandlerTable } from '../../shared/node/handlers';
import { figure, timeProcess, updateDocSection, updateResults, type Figure } from './measure';
import { procNetTcpText } from './parser-inputs';

// `npm run bench`: measures and writes bench/results.json and docs/performance.md.
// `npm test` runs it with PORTWISE_BENCH_QUICK=1 (fewer runs, smaller inputs, no files written)
// only to keep it working: no figure here is a pass/fail threshold.
const quick = process.env.PORTWISE_BENCH_QUICK === '1';
const RUNS = quick ? 2 : 7;
const CLI = 'out/cli/portwise.cjs';

// Every diagnosis is saved in the history (part of what is measured): into a private folder, never the user's.
const home = mkdtempSync(join(tmpdir(), 'pw-bench-'));
const cliEnv = { ...process.env, PORTWISE_HOME: home };

let open: net.Server;
let openPort = 0;
let closedPort = 0;

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  if (!existsSync(CLI)) execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { stdio: 'ignore' });
  open = net.createServer((s) => s.destroy());
  openPort = await listen(open);
  const probe = net.createServer();
  closedPort = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => open.close(() => resolve()));
  rmSync(home, { recursive: true, force: true });
});

function connectMs(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      resolve(performance.now() - t0);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/**
 * The app's verdict: the handler table Electron registers, in a main process already running (as
 * when a person clicks Diagnose), from the call to the `finished` event, the history save included.
 */
async function appVerdictMs(table: HandlerTable, finished: Map<string, () => void>): Promise<number> {
  const t0 = performance.now();
  const response = await table.startDiagnosis({ target: `127.0.0.1:${closedPort}`, rounds: 1 });
  if (!response.ok) throw new Error(response.error.message);
  // The run's events come after its start answered (its probe is network I/O at the least).
  await new Promise<void>((resolve) => finished.set(response.runId, resolve));
  return performance.now() - t0;
}

it('measures the local verdict (in the app, and by the CLI from process start), the connect RTT and the /proc/net/tcp parser', async () => {
  const rtt: number[] = [];
  for (let i = 0; i < RUNS * 3; i++) rtt.push(await connectMs(openPort));

  const finished = new Map<string, () => void>();
  const causes: string[] = [];
  const table = createHandlerTable({
    sink: {
      emit: (name, payload) => {
        if (name !== 'onDiagnosisEvent') return;
        const { runId, event } = payload as EventPayload<'onDiagnosisEvent'>;
        if (event.type !== 'finished') return;
        causes.push(event.report.diagnosis.cause);
        finished.get(runId)?.();
      },
    },
    appInfo: { name: 'Portwise', version: 'bench', platform: 'linux' },
    env: { HOME: home, PORTWISE_HOME: home },
  });
  const app: number[] = [];
  try {
    await appVerdictMs(table, finished); // the first run loads what a long-running main process already has
    for (let i = 0; i < RUNS * 3; i++) app.push(await appVerdictMs(table, finished));
  } finally {
    table.dispose();
  }
  expect(causes.every((c) => c === 'service-not-running')).toBe(true);

  const verdict: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await timeProcess('node', [CLI, 'diagnose', `127.0.0.1:${closedPort}`, '--json', '--probes', '1'], cliEnv);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).diagnosis.cause).toBe('service-not-running');
    verdict.push(run.ms);
  }

  const lines = quick ? 10_000 : 100_000;
  const text = procNetTcpText(lines);
  // What readLocalListeners reads of the table: its listeners. The full decode is the reference.
  const reference = parseProcNetTcp(text);
  const expected = reference.ok ? procListeners(reference.value) : null;
  expect(expected?.length).toBeGreaterThan(0);
  const parse: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const parsed = parseProcNetTcpListeners(text);
    parse.push(performance.now() - t0);
    expect(parsed.ok && parsed.value.listeners).toEqual(expected);
  }
  const rssMiB = process.memoryUsage().rss / 2 ** 20;

  const results = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.versions.node },
    local_verdict_ms: figure(app),
    local_cli_verdict_ms: figure(verdict),
    rtt_ms: figure(rtt),
    local_verdict_minus_rtt_ms: Math.round((figure(app).median - figure(rtt).median) * 10) / 10,
    proc_net_tcp_parse_ms: { ...figure(parse), lines },
    process_rss_mib_after_parse: Math.round(rssMiB),
  };
  console.log(JSON.stringify(results, null, 2));
  if (quick) return;
  const { measuredAt: _at, ...fields } = results;
  updateResults(fields);
  updateDocSection('local', renderTable(results));
  expect(readFileSync('bench/results.json', 'utf8')).toContain('local_verdict_ms');
});

function renderTable(r: { measuredAt: string; machine: { cpus: number; node: string }; local_verdict_ms: Figure; local_cli_verdict_ms: Figure; rtt_ms: Figure; local_verdict_minus_rtt_ms: number; proc_net_tcp_parse_ms: Figure & { lines: number }; process_rss_mib_after_parse: number }): string {
  const row = (name: string, f: Figure, note: string) => `| ${name} | ${f.median} | ${f.min} | ${f.max} | ${f.runs} | ${note} |`;
  return [
    '## Local verdict',
    '',
    `Measured by \`npm run bench\` on ${r.measuredAt.slice(0, 10)} (${r.machine.cpus} cores, Node ${r.machine.node}). Each figure is the median of the runs, with min and max; both sides of a comparison come from the same run.`,
    '',
    '| figure | median ms | min | max | runs | what |',
    '|---|---|---|---|---|---|',
    row('local_verdict_ms', r.local_verdict_ms, 'the app: `startDiagnosis` of 127.0.0.1:<closed> with 1 round, from the call to the `finished` event (history saved), in a running main process'),
    row('local_cli_verdict_ms', r.local_cli_verdict_ms, '`portwise diagnose 127.0.0.1:<closed> --json --probes 1`, process start to exit'),
    row('rtt_ms', r.rtt_ms, 'one TCP connect to a loopback listener'),
    row('proc_net_tcp_parse_ms', r.proc_net_tcp_parse_ms, `read the listeners of a generated /proc/net/tcp of ${r.proc_net_tcp_parse_ms.lines.toLocaleString('en')} sockets (test/bench/parser-inputs.ts), as readLocalListeners does, in a warm process`),
    '',
    `Resident memory of the benchmark process after the parse: ${r.process_rss_mib_after_parse} MiB.`,
    '',
    `local_verdict_ms − rtt_ms = ${r.local_verdict_minus_rtt_ms} ms (target ≤ 50). The app's verdict is the probe (one RTT), reading this computer's listening sockets (the target is local), the decision and the history save; the CLI's adds starting Node and loading its code, once per command.`,
    '',
  ].join('\n');
}
