import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetDocument } from '../../shared/common/schema/fleet';
import { EXIT, runCli } from '../../shared/node/cli/main';
import { CHROMIUM, requireTools } from '../unit/report/require-tools';
import { waitFor } from './loopback';
import { fakeDestination, fleetIo, useFakeFleet } from './fake-fleet';
import type { FakeFleetServer } from '../shared/fleet-ssh-server';
import { all, parseHtml } from '../shared/read-markup';

/**
 * `portwise fleet --report FILE` end to end, in process: the CLI against SSH servers on loopback
 * (test/shared/fleet-ssh-server.ts, as fleet.test.ts uses them), each file read back as a person
 * would: the JSON against its schema and --json's stdout, the HTML with jsdom, the PDF with
 * poppler's pdftotext.
 */

let home: string;
let port = 0;
let servers: FakeFleetServer[] = [];
const gate = useFakeFleet('pw-fleet-report-', ['stopped', 'refuse-login', 'rejecting'], (fleet) => ({ home, port, servers } = fleet));

const dest = fakeDestination;
const quick = ['--probes', '1', '--timeout', '1000', '--accept-new-host-key', '--no-history'];
const three = () => {
  const [a, refusing, rejecting] = servers as [FakeFleetServer, FakeFleetServer, FakeFleetServer];
  return ['--ssh', dest('alice', a), '--ssh', dest('bob', refusing), '--ssh', dest('carol', rejecting)];
};

// A fleet of logins and, for one test, a browser: a loaded machine takes longer than the default 5 s.
describe('portwise fleet --report', { timeout: 30_000 }, () => {
  it('--report x.md --report x.html --report x.json: the whole fleet in each file; the JSON is the --json document; the exit code is the fleet\'s', async () => {
    const f = await fleetIo(home, ['fleet', String(port), ...three(), '--json', '--report', 'x.md', '--report', 'sub/x.html', '--report', 'x.json', ...quick]);
    expect(await runCli(f.io), f.stderr()).toBe(EXIT.ssh);
    expect(f.stderr()).toContain(`Fleet report written to ${join(f.dir, 'x.md')} (Markdown).\nFleet report written to ${join(f.dir, 'sub/x.html')} (HTML).\nFleet report written to ${join(f.dir, 'x.json')} (JSON).\n`);
    expect(f.stderr()).not.toContain('Redacted in the exported files');

    const printed = FleetDocument.parse(JSON.parse(f.stdout()));
    expect(FleetDocument.parse(JSON.parse(f.read('x.json')))).toEqual(printed);
    expect(f.read('x.json')).toBe(f.stdout());

    const md = f.read('x.md');
    expect(md).toMatch(new RegExp(`^# Portwise fleet report: port ${port} on 3 servers \\(\\d{4}-\\d\\d-\\d\\dT`));
    expect(md).toContain('| Server | Probe from here | Listening on the server | Firewall | Cause | Confidence |');
    expect(md.match(/^## Server \d of 3: .*$/gm)).toEqual(printed.servers.map((s, i) => `## Server ${i + 1} of 3: \`${s.server}\``));
    // Every server has a report (the refused login too: the probe from here stands), each one under its heading.
    expect(md.match(/^### Portwise report: /gm)).toHaveLength(3);
    expect(md).toContain('- **Could not log in:** ');
    expect(md).toContain(`-A INPUT -p tcp -m tcp --dport ${port} -j REJECT --reject-with tcp-reset`);

    const html = f.read('sub/x.html');
    const page = parseHtml(html);
    expect(all(page, 'script, img, iframe, link, object, embed')).toEqual([]);
    for (const el of all(page, '*')) for (const a of Array.from(el.attributes)) expect(a.name).not.toMatch(/^on|^src$|^href$/);
    expect(all(page, 'table.fleet tbody tr')).toHaveLength(3);
    expect(all(page, 'section.server > h2').map((h) => h.textContent)).toEqual(printed.servers.map((s, i) => `Server ${i + 1} of 3: ${s.server}`));
    expect(all(page, '#verdict .title')[0]?.textContent).toBe(printed.verdict.text);
  });

  it('--redact users: the same redaction in every server\'s report and the table, said on stderr', async () => {
    const f = await fleetIo(home, ['fleet', String(port), ...three(), '--report', 'r.md', '--report', 'r.json', '--report', 'r.html', '--redact', 'users', ...quick]);
    expect(await runCli(f.io), f.stderr()).toBe(EXIT.ssh);
    expect(f.stderr()).toMatch(/Redacted in the exported files: [^\n]*3 user names/);
    // stdout is the table as it was; the files hide who logged in.
    expect(f.stdout()).toContain('alice@127.0.0.2');
    for (const name of ['r.md', 'r.json', 'r.html']) for (const user of ['alice', 'bob', 'carol']) expect(f.read(name), `${name}: ${user}`).not.toContain(user);
    const doc = FleetDocument.parse(JSON.parse(f.read('r.json')));
    expect(doc.servers.map((s) => s.destination.split('@')[0])).toEqual(['user1', 'user2', 'user3']);
    expect(doc.rows.map((r) => r.server)).toEqual(doc.servers.map((s) => s.server));
  });

  it('a file that cannot be written is named, the others are still written, exit 1 (as diagnose); an unknown extension is bad usage', async () => {
    const f = await fleetIo(home, ['fleet', String(port), ...three(), '--report', 'blocker/x.md', '--report', 'ok.json', ...quick]);
    writeFileSync(join(f.dir, 'blocker'), '');
    expect(await runCli(f.io)).toBe(EXIT.internal);
    expect(f.stderr()).toContain(`Could not write ${join(f.dir, 'blocker/x.md')}: a file is in the way of a folder in its path.\nFleet report written to ${join(f.dir, 'ok.json')} (JSON).\n`);
    expect(FleetDocument.parse(JSON.parse(f.read('ok.json'))).servers).toHaveLength(3);

    const bad = await fleetIo(home, ['fleet', String(port), ...three(), '--report', 'x.txt', ...quick]);
    expect(await runCli(bad.io)).toBe(EXIT.usage);
    expect(bad.stderr()).toBe('portwise: --report: "x.txt" does not end in .md, .html, .json or .pdf, so Portwise cannot tell which format to write.\n');
    const noReport = await fleetIo(home, ['fleet', String(port), ...three(), '--redact', 'users', ...quick]);
    expect(await runCli(noReport.io)).toBe(EXIT.usage);
    expect(noReport.stderr()).toBe('portwise: --redact applies to the files of --report: give --report FILE too.\n');
  });

  it('Ctrl-C: no file is written, each is named as not written, exit 130', async () => {
    gate.close();
    const f = await fleetIo(home, ['fleet', String(port), ...three(), '--report', 'x.md', '--report', 'x.json', ...quick]);
    const running = runCli(f.io);
    await waitFor(() => gate.held.size === 2, 20_000, 'two servers at the gate');
    f.interrupts[0]?.();
    expect(await running).toBe(EXIT.interrupted);
    expect(f.stderr()).toContain(`Not written: ${join(f.dir, 'x.md')} (interrupted).\nNot written: ${join(f.dir, 'x.json')} (interrupted).\nCancelled.\n`);
    expect(existsSync(join(f.dir, 'x.md'))).toBe(false);
  });

  it('--report x.pdf --browser: the fleet\'s HTML printed by Chromium, read back with pdftotext', async () => {
    requireTools([
      [CHROMIUM, 'chromium'],
      ['/usr/bin/pdftotext', 'poppler-utils'],
    ]);
    const f = await fleetIo(home, ['fleet', String(port), ...three(), '--json', '--report', 'out/x.pdf', '--browser', CHROMIUM, '--redact', 'users', ...quick]);
    expect(await runCli(f.io), f.stderr()).toBe(EXIT.ssh);
    expect(f.stderr()).toContain(`Fleet report written to ${join(f.dir, 'out/x.pdf')} (PDF).`);
    const pdf = readFileSync(join(f.dir, 'out/x.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = execFileSync('/usr/bin/pdftotext', ['-enc', 'UTF-8', join(f.dir, 'out/x.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    const printed = FleetDocument.parse(JSON.parse(f.stdout()));
    expect(text).toContain(`Portwise fleet report: port ${port} on 3 servers`);
    for (const heading of ['Verdict', 'Servers side by side', 'Server 1 of 3', 'Server 2 of 3', 'Server 3 of 3', 'Decision path', 'SSH login failure']) expect(text).toContain(heading);
    expect(text).toContain(`--dport ${port} -j REJECT --reject-with tcp-reset`);
    for (const cause of new Set(printed.rows.map((r) => r.cause))) if (cause) expect(text).toContain(cause);
    for (const user of ['alice', 'bob', 'carol']) expect(text).not.toContain(user);
  }, 90_000);
});
