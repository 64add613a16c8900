import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { code, escapeText, fence, renderReportMarkdown } from '../../../shared/common/report/markdown';
import { Report, type Evidence } from '../../../shared/common/schema/report';
import { addr, facts, listenerTable, reportFrom, resolved, rounds } from '../tree/factories';
import { labReport } from './lab-report';

/** A fenced block as a CommonMark reader finds it: the opening fence's indentation is taken off each line. */
interface Block {
  line: number;
  indent: number;
  ticks: number;
  info: string;
  content: string;
}

/**
 * Splits Markdown into fenced blocks and the lines outside them. Closing is lenient on purpose (any
 * indentation, any run at least as long): a block that could end early in some reader ends early here.
 */
function parseFences(md: string): { blocks: Block[]; prose: string[] } {
  const lines = md.split('\n');
  const blocks: Block[] = [];
  const prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,})([^`]*)$/.exec(lines[i]!);
    if (!open) {
      prose.push(lines[i]!);
      continue;
    }
    const [, pad, ticks, info] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ *(`+) *$/.exec(lines[j]!);
      if (close && close[1]!.length >= ticks.length) break;
      body.push(lines[j]!.startsWith(pad) ? lines[j]!.slice(pad.length) : lines[j]!.trimStart());
    }
    expect(j, `the fence opened on line ${i + 1} is never closed`).toBeLessThan(lines.length);
    blocks.push({ line: i, indent: pad.length, ticks: ticks.length, info: info.trim(), content: body.map((l) => `${l}\n`).join('') });
    i = j;
  }
  return { blocks, prose };
}

/** What a fence holds for `text`: the text itself, with the final newline the closing fence needs. */
const asFenced = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);

/** The text a code span shows (CommonMark: one space off each side when both are spaces). */
function unwrapCodeSpan(span: string): string {
  const m = /^(`+)(.*)\1$/.exec(span);
  if (!m) throw new Error(`not a code span: ${span}`);
  const inner = m[2]!;
  return /^ .* $/.test(inner) && inner.trim() !== '' ? inner.slice(1, -1) : inner;
}

/** A line with its code spans taken out, as a CommonMark reader pairs backtick runs (an escaped backtick opens none). */
function withoutCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (line[i] !== '`') {
      out += line[i++];
      continue;
    }
    const run = /^`+/.exec(line.slice(i))![0];
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
    close.lastIndex = i + run.length;
    const found = close.exec(line);
    if (found) i = found.index + run.length;
    else {
      out += run;
      i += run.length;
    }
  }
  return out;
}

/** Markdown outside code (fences and spans): where an injected tag or link would take effect. */
const markup = (md: string) => parseFences(md).prose.map(withoutCodeSpans);

function expectNoInjection(md: string): void {
  for (const line of markup(md)) {
    expect(line, line).not.toMatch(/[<>]/);
    expect(line, line).not.toMatch(/(^|[^\\])\[/);
    expect(line, line).not.toMatch(/^#+ (heading|injected)/);
    expect(line, line).not.toMatch(/^\s*[-*+] (item|injected)/);
  }
}

const firstRaw = (r: Report) => r.evidence.findIndex((e) => e.raw !== null && e.raw !== '');

const notRunning = Report.parse(
  reportFrom(facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1', { sources: ['literal'] })]), rounds('127.0.0.1', 'refused', 'refused'), { localListeners: listenerTable() })),
);
const inconclusive = Report.parse(
  reportFrom(
    facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10'), addr('2001:db8::10')]), [...rounds('192.0.2.10', 'refused', 'refused'), ...rounds('2001:db8::10', 'refused', 'refused')]),
  ),
);
const overridden = Report.parse(
  reportFrom(
    facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1', { sources: ['literal'] })]), rounds('127.0.0.1', 'refused', 'refused'), { localListeners: listenerTable() }),
    '127.0.0.1:5432',
    { T4: { override: { to: 'other-netns-listener', reason: 'it runs in <WSL> [really]' } } },
  ),
);

function evidence(over: Partial<Evidence> & Pick<Evidence, 'id' | 'startedAt'>): Evidence {
  return { where: 'workstation', command: 'true', ms: 1, status: 'ok', summary: 'fine.', raw: null, origin: 'collected', facts: { check: 'pasted', node: 'T13', kind: 'listeners' }, ...over };
}

describe('renderReportMarkdown: the lab report (iptables REJECT, over SSH)', () => {
  let report: Report;
  let md: string;
  beforeAll(() => {
    report = labReport();
    md = renderReportMarkdown(report);
  });

  it('matches the file snapshot', async () => {
    await expect(md).toMatchFileSnapshot('./__snapshots__/markdown-iptables-reject.md');
  });

  it('has every section, in order, and the cause id', () => {
    const headings = ['# Portwise report: ', '## Diagnosis', '## Fix', '## Verify the fix', '## Decision path', '## Evidence'];
    const at = headings.map((h) => md.split('\n').findIndex((l) => l.startsWith(h)));
    for (const [i, h] of headings.entries()) expect(at[i], h).toBeGreaterThanOrEqual(0);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(md.split('\n')[0]).toBe(`# Portwise report: \`${report.target.host}:${report.target.port}\` (outcome: ${report.outcome})`);
    expect(report.diagnosis.cause).toBe('iptables-reject');
    expect(md).toContain(`(cause \`iptables-reject\`, ${report.diagnosis.confidence} confidence)`);
    expect(md).toContain(`- **Typed:** \`${report.target.input}\``);
    expect(md).toContain(`- **Started:** ${report.startedAt}`);
    expect(md).toContain(`- **Finished:** ${report.finishedAt} (took `);
    expect(md).toContain(`- **Workstation:** ${report.workstation.platform} ${report.workstation.release} ${report.workstation.runtime}`);
    expect(md).not.toContain('## Pending question');
    expect(md).not.toContain('## SSH login failure');
  });

  it('shows every evidence command verbatim (inline code, or a fence when it has several lines), in order, with its offset', () => {
    const lines = md.split('\n');
    const { blocks } = parseFences(md);
    let previous = -1;
    report.evidence.forEach((e, i) => {
      const heading = lines.findIndex((l) => l.startsWith(`### ${i + 1}. `));
      expect(heading, e.id).toBeGreaterThan(previous);
      previous = heading;
      const ms = Date.parse(e.startedAt) - Date.parse(report.startedAt);
      expect(lines[heading]).toContain(`${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(2)} s`);
      const commandLine = lines.slice(heading).find((l) => l.startsWith('- **Command:** '))!;
      if (/[\r\n]/.test(e.command)) expect(blocks.some((b) => b.line > heading && b.content === asFenced(e.command))).toBe(true);
      else expect(unwrapCodeSpan(commandLine.slice('- **Command:** '.length))).toBe(e.command);
    });
    expect(report.evidence.length).toBeGreaterThan(5);
  });

  it('shows every non-null raw output verbatim in a top-level fence, in evidence order', () => {
    const { blocks } = parseFences(md);
    const raws = report.evidence.filter((e) => e.raw !== null);
    expect(raws.length).toBeGreaterThan(3);
    let previous = -1;
    for (const e of raws) {
      const block = blocks.find((b) => b.line > previous && b.indent === 0 && b.content === asFenced(e.raw!));
      expect(block, e.id).toBeDefined();
      previous = block!.line;
    }
  });

  it('lists the decision path in order, numbered, each with who decided it', () => {
    const lines = md.split('\n');
    let previous = -1;
    report.path.forEach((step, i) => {
      const line = lines.findIndex((l) => l.startsWith(`${i + 1}. **`) && l.includes(`(\`${step.node}\`) → \`${step.next}\``));
      expect(line, step.node).toBeGreaterThan(previous);
      // Nested lines sit under the item's text: `10. ` is one column wider than `9. `.
      expect(lines[line + 2]).toBe(`${' '.repeat(`${i + 1}. `.length)}- Decided by: the evidence`);
      previous = line;
    });
    expect(report.path.at(-1)?.next).toBe('iptables-reject');
  });

  it('is deterministic and reads no clock', () => {
    vi.useFakeTimers();
    let later: string;
    try {
      vi.setSystemTime(new Date('2031-05-06T07:08:09Z'));
      later = renderReportMarkdown(labReport());
    } finally {
      vi.useRealTimers();
    }
    expect(later).toBe(md);
    expect(renderReportMarkdown(report)).toBe(md);
    expect(md).not.toContain('2031');
    expect(report).toEqual(labReport());
  });
});

describe('renderReportMarkdown: hostile report content', () => {
  const hostileRaw = 'before\n```\n<script>alert(1)</script>\n````\n~~~\n    # heading injected\nafter, no final newline';
  const hostileSummary = '# heading [link](javascript:x) <img src=x onerror=alert(1)>';

  function hostile(): Report {
    const r = structuredClone(labReport());
    const k = firstRaw(r);
    r.evidence[k] = { ...r.evidence[k]!, raw: hostileRaw, summary: hostileSummary, where: 'root@<img src=x>:22', command: 'echo `id` ``` <b>' };
    r.evidence.push({ ...r.evidence[k]!, id: 'multi', command: 'printf a\n```\n<script>x</script>', raw: '```', summary: 'line one\n# heading injected\n- item injected\n\n<script>alert(2)</script>' });
    r.diagnosis = { ...r.diagnosis, title: '<img src=x onerror=alert(1)> [t](javascript:x)', explanation: '- item injected\n# heading injected', proof: '1. injected `<b>bold</b>` end\\' };
    r.path[0] = { ...r.path[0]!, reason: `${hostileSummary}\n---\n=== [x]: javascript:x` };
    r.target = { ...r.target, input: '`db`<x>' };
    return r;
  }

  let report: Report;
  let md: string;
  beforeAll(() => {
    report = hostile();
    md = renderReportMarkdown(report);
  });

  it('keeps raw output and multi-line commands verbatim, and no content ends a fence early', () => {
    const { blocks } = parseFences(md);
    const k = firstRaw(report);
    expect(blocks.some((b) => b.indent === 0 && b.content === asFenced(hostileRaw) && b.ticks === 5)).toBe(true);
    expect(blocks.some((b) => b.indent === 0 && b.content === asFenced('printf a\n```\n<script>x</script>'))).toBe(true);
    expect(blocks.some((b) => b.indent === 0 && b.content === '```\n' && b.ticks === 4)).toBe(true);
    // Every other raw output still parses out whole: nothing before it swallowed or split a block.
    for (const e of report.evidence.filter((e, i) => e.raw !== null && i !== k)) expect(blocks.some((b) => b.content === asFenced(e.raw!)), e.id).toBe(true);
    for (const b of blocks) expect(b.ticks).toBeGreaterThan(Math.max(2, ...(b.content.match(/`+/g) ?? []).map((r) => r.length)));
  });

  it('escapes titles, summaries, reasons and hosts so they inject no HTML, link, heading or list', () => {
    expectNoInjection(md);
    expect(md).toContain('- **Summary:** \\# heading \\[link\\](javascript:x) &lt;img src=x onerror=alert(1)&gt;');
    expect(md).toContain('**&lt;img src=x onerror=alert(1)&gt; \\[t\\](javascript:x)** (cause `iptables-reject`');
    expect(md).toContain('**Explanation:** \\- item injected \\# heading injected');
    expect(md).toContain('**Proof:** 1\\. injected `<b>bold</b>` end\\\\\n');
    expect(md).toContain('- **Summary:** line one \\# heading injected - item injected &lt;script&gt;alert(2)&lt;/script&gt;');
    expect(md).toContain('- **Where:** `root@<img src=x>:22`');
    expect(md).toContain('- **Command:** ````echo `id` ``` <b>````\n');
    expect(md).toContain('- **Typed:** `` `db`<x> ``');
  });
});

describe('renderReportMarkdown: other reports', () => {
  it('an inconclusive report names the missing evidence and the possible causes, and the pending question', () => {
    const md = renderReportMarkdown(inconclusive);
    const d = inconclusive.diagnosis;
    expect(d.cause).toBe('inconclusive');
    expect(md).toContain(`**${d.title}** (\`inconclusive\`): the evidence does not decide between the possible causes below`);
    expect(md).not.toMatch(/(high|medium|low) confidence/);
    expect(md).toContain("### Missing evidence\n\n- The server's listener table: `ss -Htlnpe 'sport = :5432'` (or `netstat -tln`), over SSH or pasted by hand\n");
    for (const m of d.missing) expect(md).toContain(`- ${escapeText(m)}\n`);
    expect(d.candidates.length).toBeGreaterThan(2);
    for (const c of d.candidates) expect(md).toContain(`- ${c.title} (\`${c.id}\`)\n`);
    expect(md.indexOf('### Possible causes')).toBeGreaterThan(md.indexOf('### Missing evidence'));

    const p = inconclusive.pending!;
    expect(md).toContain(`## Pending question\n\n**${p.title}** (\`${p.node}\`)`);
    const { blocks } = parseFences(md);
    for (const c of p.paste!.commands) expect(blocks.some((b) => b.content === asFenced(c.command))).toBe(true);
    for (const c of p.choices) expect(md).toContain(`- \`${c.id}\`: `);
    expect(md).toContain('## Evidence\n\nNo evidence was collected.\n');
    expect(md.indexOf('## Pending question')).toBeGreaterThan(md.indexOf('## Decision path'));
  });

  it('verification runs are a table per run, before and after; the proxy and the digest of each whole output are stated', () => {
    const r = labReport();
    const before = r.evidence.flatMap((e) => (e.facts.check === 'tcp-probe' ? e.facts.attempts : []));
    expect(before.length).toBeGreaterThan(0);
    r.verifications = [{ at: '2026-11-24T10:05:00.000Z', before, after: [{ ...before[0]!, round: 1, status: 'connected', errno: null, ms: 0.6 }], fixed: true }];
    r.workstation.proxy = { variables: [], proxyForTarget: null, noProxyMatch: null };
    const k = r.evidence.findIndex((e) => e.raw !== null && e.raw !== '');
    r.evidence[k] = { ...r.evidence[k]!, rawSha256: 'd'.repeat(64), rawBytes: Buffer.byteLength(r.evidence[k]!.raw!) };
    const md = renderReportMarkdown(r);
    expect(md).toContain(
      `## Verification runs\n\n### 2026-11-24T10:05:00.000Z\n\nFixed: every address connects now.\n\n| Address | In the diagnosis | After the fix |\n| --- | --- | --- |\n| \`${before[0]!.address}\` | Refused (`,
    );
    expect(md).toContain('| Connected (0.6 ms) |');
    expect(md.indexOf('## Verification runs')).toBeGreaterThan(md.indexOf('## Verify the fix'));
    expect(md.indexOf('## Verification runs')).toBeLessThan(md.indexOf('## Decision path'));
    expect(md).toContain('- **Proxy:** none: no proxy variable is set\n');
    expect(md).toContain(`- **Whole output:** sha256 \`${'d'.repeat(64)}\`, ${Buffer.byteLength(r.evidence[k]!.raw!)} bytes\n`);
    expect(renderReportMarkdown(labReport())).not.toContain('## Verification runs');
  });

  it('fix steps are numbered, each command in its own fence under its platform', () => {
    const md = renderReportMarkdown(notRunning);
    const { blocks } = parseFences(md);
    const fix = md.slice(md.indexOf('## Fix'), md.indexOf('## Verify the fix'));
    notRunning.diagnosis.remediation.forEach((step, i) => expect(fix).toContain(`${i + 1}. ${escapeText(step.text)}`));
    for (const c of notRunning.diagnosis.remediation.flatMap((s) => s.commands)) {
      expect(blocks.some((b) => b.content === asFenced(c.command) && b.info === (c.platform === 'windows' ? 'powershell' : 'sh'))).toBe(true);
    }
    expect(fix).toContain("   Linux:\n\n   ```sh\n   ss -Htlnp 'sport = :5432'\n   ```");
    const verify = md.slice(md.indexOf('## Verify the fix'), md.indexOf('## Decision path'));
    expect(verify).toContain('Any:\n\n```sh\nportwise diagnose 127.0.0.1:5432\n```');
  });

  it('an override says who decided, why, and where the evidence alone led; answers have their own list', () => {
    const md = renderReportMarkdown(overridden);
    expect(md).toContain('- Decided by: a person\'s override (reason: "it runs in &lt;WSL&gt; \\[really\\]"); the evidence alone led to `service-not-running`');
    expect(md).toContain('### Answers given by a person\n\n- `T4`: overridden to `other-netns-listener`, reason: "it runs in &lt;WSL&gt; \\[really\\]"');
    expectNoInjection(md);
  });

  it('a step a person answered says so, with the choice', () => {
    const knocked = Report.parse(
      reportFrom(facts('db.example.com:5432', resolved('db.example.com', [addr('198.18.0.2')]), rounds('198.18.0.2', 'connected', 'refused', 'connected')), undefined, { T50: { choice: 'after-knock' } }),
    );
    const md = renderReportMarkdown(knocked);
    expect(knocked.path.at(-1)).toMatchObject({ node: 'T50', by: 'answer' });
    expect(md).toMatch(/\n3\. \*\*.+\*\* \(`T50`\) → `port-knocking`\n {3}- Reason: .+\n {3}- Decided by: a person's answer \(`after-knock`\)\n/);
    expect(md).toContain('- `T50`: chose `after-knock`');
  });

  it('a pasted answer points to its evidence; an unreadable one is shown itself', () => {
    const paste = 'LISTEN 0 128 127.0.0.1:5432 0.0.0.0:*\n<b>\n';
    const withPaste: Report = {
      ...notRunning,
      answers: { T13: { paste }, T2: { choice: 'direct' }, T60: { paste: 'garbage ```' } },
      evidence: [evidence({ id: 'pasted:T13', startedAt: notRunning.startedAt, where: 'pasted by a person', origin: 'pasted', raw: paste })],
    };
    const md = renderReportMarkdown(withPaste);
    expect(md).toContain('- `T13`: pasted 2 lines of output (evidence 1 below)');
    expect(md).toContain('- `T2`: chose `direct`');
    expect(md).toContain('- `T60`: pasted 1 line of output (below)\n\nPasted at `T60`:\n\n````text\ngarbage ```\n````');
    expect(md).toContain('- **Origin:** pasted by a person');
  });

  it('the timeline gives offsets, durations, status and how a server command ended', () => {
    const at = (ms: number) => new Date(Date.parse(notRunning.startedAt) + ms).toISOString();
    const r: Report = {
      ...notRunning,
      evidence: [
        evidence({ id: 'dns', startedAt: at(0), ms: 0.25, summary: 'resolved.' }),
        evidence({
          id: 'server:rules-iptables-1',
          startedAt: at(420),
          ms: 1523,
          status: 'needs-privilege',
          where: 'root@198.18.0.2:22',
          command: 'iptables-save -c',
          raw: '',
          facts: { check: 'remote-command', id: 'rules-iptables-1', exitCode: null, stderr: 'permission denied\n', sudo: true, truncated: true },
        }),
      ],
    };
    const md = renderReportMarkdown(r);
    expect(md).toContain('### 1. +0.00 s: `dns`, ok\n\n- **Took:** 0.3 ms\n- **Where:** `workstation`\n- **Command:** `true`\n- **Summary:** resolved.\n');
    expect(md).toContain(
      [
        '### 2. +0.42 s: `server:rules-iptables-1`, needs-privilege',
        '',
        '- **Took:** 1.52 s',
        '- **Where:** `root@198.18.0.2:22`',
        '- **Command:** `iptables-save -c`',
        '- **Summary:** fine.',
        '- **Exit code:** none (it did not exit)',
        '- **Ran with:** `sudo -n`',
        "- **Truncated:** yes, cut at the engine's cap",
        '',
        'Standard error:',
        '',
        '```text\npermission denied\n```',
        '',
        'Output (empty):',
        '',
        '```text\n```',
      ].join('\n'),
    );
  });

  it('an SSH login failure is its own section, from the fields', () => {
    const target = { index: 2, total: 2, user: 'bob', host: 'db_1', port: 22, role: 'target' as const };
    const r: Report = {
      ...inconclusive,
      sshFailure: {
        kind: 'auth',
        message: 'All authentication methods failed for bob@db_1:22 <publickey>.',
        hop: 2,
        failedHop: target,
        chain: [
          { hop: { ...target, index: 1, user: 'alice', host: 'bastion', role: 'jump' }, status: 'ok' },
          { hop: target, status: 'failed' },
        ],
        methodsTried: ['agent', 'publickey /home/me/.ssh/id_ed25519'],
        serverMethods: null,
        keyPath: '/home/me/.ssh/id_ed25519',
      },
    };
    const md = renderReportMarkdown(r);
    expect(md).toContain(
      [
        '## SSH login failure',
        '',
        '- **Kind:** `auth`',
        '- **Message:** All authentication methods failed for bob@db\\_1:22 &lt;publickey&gt;.',
        '- **Failed hop:** target host 2 of 2, bob@db\\_1:22',
        '- **Chain:** jump host 1 of 2, alice@bastion:22: ok; target host 2 of 2, bob@db\\_1:22: failed',
        '- **Methods tried:** `agent`, `publickey /home/me/.ssh/id_ed25519`',
        '- **The server still offered:** it never said',
        '- **Key file:** `/home/me/.ssh/id_ed25519`',
      ].join('\n'),
    );
    expect(md.indexOf('## SSH login failure')).toBeGreaterThan(md.indexOf('## Pending question'));
    expect(md.indexOf('## SSH login failure')).toBeLessThan(md.indexOf('## Evidence'));
  });

  it('a host key failure shows both keys', () => {
    const r: Report = {
      ...notRunning,
      sshFailure: {
        kind: 'host-key-changed',
        message: 'The host key changed.',
        hop: 1,
        presented: { keyType: 'ssh-ed25519', fingerprint: 'SHA256:new' },
        known: [{ keyType: 'ssh-ed25519', fingerprint: 'SHA256:old', file: '/home/me/.ssh/known_hosts', line: 3 }],
      },
    };
    const md = renderReportMarkdown(r);
    expect(md).toContain('- **Failed hop:** hop 1\n');
    expect(md).toContain('- **Key the server presented:** ssh-ed25519 `SHA256:new`');
    expect(md).toContain('- **Keys on file:** ssh-ed25519 `SHA256:old` (`/home/me/.ssh/known_hosts:3`)');
  });
});

describe('the Markdown building blocks', () => {
  it('a hostile text at a line start opens no block', () => {
    expect(escapeText('# heading')).toBe('\\# heading');
    expect(escapeText('- item')).toBe('\\- item');
    expect(escapeText('+ item')).toBe('\\+ item');
    expect(escapeText('12. item')).toBe('12\\. item');
    expect(escapeText('3) item')).toBe('3\\) item');
    expect(escapeText('---')).toBe('\\---');
    expect(escapeText('===')).toBe('\\===');
    expect(escapeText('> quote')).toBe('&gt; quote');
    expect(escapeText('    indented code')).toBe('indented code');
    expect(escapeText('```js')).toBe('\\`\\`\\`js');
    // Numbers and options that open nothing stay as typed.
    expect(escapeText('0.0.0-test, 127.0.0.1 and --dport')).toBe('0.0.0-test, 127.0.0.1 and --dport');
  });

  it('code spans: a longer backtick run than any inside, padded when the content touches a backtick or a space', () => {
    expect(code('ls -l')).toBe('`ls -l`');
    expect(code('a `b` c')).toBe('``a `b` c``');
    expect(code('`x`')).toBe('`` `x` ``');
    expect(code(' x')).toBe('`  x `');
    expect(code('a\nb')).toBe('`a b`');
    for (const s of ['a `b` c', '`x`', ' x', '``` y', 'x ``']) expect(unwrapCodeSpan(code(s))).toBe(s);
  });

  it('any text survives a fence whole, and any text escapes into markup without tags or links (property)', () => {
    const piece = fc.constantFrom('`', '```', '\n```\n', '\n````', '~~~', '\n', '\r', ' ', '    ', '<', '>', '&', '[', ']', '(', ')', '#', '-', '*', '_', '\\', '1', '.', 'a', 'é');
    const text = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(text, (s) => {
        const { blocks, prose } = parseFences(`before\n\n${fence(s, 'text')}\n\nafter\n`);
        expect(blocks).toHaveLength(1);
        expect(prose.at(-2)).toBe('after');
        // Split on '\n' only, as the parser above: a lone '\r' is a line break to CommonMark, but
        // no backtick run inside is as long as the fence, so no line of it can close the block.
        expect(blocks[0]!.content).toBe(asFenced(s));
        const escaped = escapeText(s);
        expect(escaped).not.toMatch(/[\r\n]/);
        expectNoInjection(escaped);
        expect(withoutCodeSpans(escaped)).not.toMatch(/(^|[^\\])(\\\\)*[*_~]/);
      }),
      { numRuns: 500 },
    );
  });
});
