import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FleetDocument } from '../../shared/common/schema/fleet';
import { createFleetLab, type FleetLab } from '../lab/harness/fleet-lab';
import { preflight } from '../lab/harness/netns';
import { figure, timeProcess, updateDocSection, updateResults, type Figure } from './measure';

/**
 * Issue 8's fleet figure: `portwise fleet` on one lab server, then on 20 (each its own namespace and
 * sshd, the same iptables REJECT on each), at the default concurrency; fleet_ratio = t20 / t1, both
 * measured in the same run. `npm test` runs it quick (3 servers, one run a side, nothing written).
 */
const quick = process.env.PORTWISE_BENCH_QUICK === '1';
const SERVERS = quick ? 3 : 20;
const RUNS = quick ? 1 : 5;
const CLI = 'out/cli/portwise.js';
const PORT = 8450;

const home = mkdtempSync(join(tmpdir(), 'pw-bench-fleet-'));
const knownHosts = join(home, 'known_hosts');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PORTWISE_HOME: join(home, 'portwise'), LANG: 'C' };
let fleet: FleetLab | null = null;
let setupError: unknown = null;

beforeAll(async () => {
  try {
    await preflight();
    fleet = await createFleetLab(SERVERS, home);
    writeFileSync(knownHosts, fleet.knownHosts);
    for (const server of fleet.servers) {
      await server.lab.startListener({ address: '0.0.0.0', port: PORT, mode: 'accept' });
      await server.lab.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(PORT), '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    }
  } catch (error) {
    // Never skipped: every test fails with the reason.
    setupError = error;
  }
}, 300_000);

afterAll(async () => {
  const problems = fleet ? await fleet.teardown() : [];
  rmSync(home, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(`Fleet lab teardown left something behind: ${problems.join('; ')}`);
}, 120_000);

async function portwiseFleet(count: number): Promise<{ ms: number; document: FleetDocument }> {
  if (!fleet) throw new Error(`The fleet lab could not be built: ${(setupError as Error | null)?.message ?? 'unknown'}`);
  const servers = fleet.servers.slice(0, count).flatMap((s) => ['--ssh', `root@${s.address}`]);
  const args = [CLI, 'fleet', String(PORT), ...servers, '--identity', fleet.clientKey.path, '--known-hosts', knownHosts, '--json', '--probes', '1', '--no-history'];
  const run = await timeProcess('node', args, env);
  expect(run.code, run.stdout.slice(0, 500)).toBe(0);
  const document = FleetDocument.parse(JSON.parse(run.stdout));
  // The same diagnosis on every server, or the figure measures something else.
  const odd = document.servers.filter((s) => s.report?.diagnosis.cause !== 'iptables-reject');
  expect(odd.map((s) => s.server), JSON.stringify(odd.map((s) => ({ server: s.server, diagnosis: s.report?.diagnosis, path: s.report?.path })), null, 1)).toEqual([]);
  return { ms: run.ms, document };
}

it(`measures portwise fleet on 1 server and on ${SERVERS}, side by side`, async () => {
  const one: number[] = [];
  const all: number[] = [];
  await portwiseFleet(1); // warms the page cache and each sshd, for both sides alike
  for (let i = 0; i < RUNS; i++) {
    one.push((await portwiseFleet(1)).ms);
    all.push((await portwiseFleet(SERVERS)).ms);
  }
  const results = {
    fleet: {
      servers: SERVERS,
      concurrency: 8,
      cpus: cpus().length,
      t1_ms: figure(one),
      tN_ms: figure(all),
    },
    fleet_ratio: Math.round((figure(all).median / figure(one).median) * 100) / 100,
  };
  console.log(JSON.stringify(results, null, 2));
  if (quick) return;
  updateResults(results);
  updateDocSection('fleet', renderSection(results));
}, 30 * 60_000);

function renderSection(r: { fleet: { servers: number; concurrency: number; cpus: number; t1_ms: Figure; tN_ms: Figure }; fleet_ratio: number }): string {
  const row = (name: string, f: Figure, what: string) => `| ${name} | ${f.median} | ${f.min} | ${f.max} | ${f.runs} | ${what} |`;
  return [
    '## Fleet',
    '',
    `Measured on ${new Date().toISOString().slice(0, 10)}: \`portwise fleet ${PORT} --ssh root@... --probes 1 --json\` on lab servers, each its own network namespace with its own sshd, listener and iptables REJECT of the port (\`test/lab/harness/fleet-lab.ts\`, 198.18.2.0/24), at the default concurrency (${r.fleet.concurrency} at once). Both sides in the same run, alternating.`,
    '',
    '| figure | median ms | min | max | runs | what |',
    '|---|---|---|---|---|---|',
    row('fleet t1', r.fleet.t1_ms, 'one server, process start to exit'),
    row(`fleet t${r.fleet.servers}`, r.fleet.tN_ms, `${r.fleet.servers} servers, process start to exit`),
    '',
    `fleet_ratio = t${r.fleet.servers} / t1 = **${r.fleet_ratio}** (target ≤ 3).`,
    '',
    `The lab's servers share this machine's ${r.fleet.cpus} cores with Portwise: each login costs sshd a key exchange, sessions and some 25 commands of a few processes each, work a real fleet does on its own machines. A CPU profile of the ${r.fleet.servers}-server run (\`node --cpu-prof\`) showed Portwise's own process idle for about two thirds of it, waiting for those commands.`,
    '',
  ].join('\n');
}
