// The page is read back the way a browser reads it: jsdom's DOMParser (HTML, and XML for the SVG
// pictures on their own) and parse5, the HTML parser jsdom uses, for the parse errors.
import { parse, type ParserError } from 'parse5';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY, HTML_SECTION_HEADINGS, renderReportHtml } from '../../../shared/common/report/html';
import { escapeMarkup, layoutDecisionPath, layoutEvidenceTimeline, PATH_WIDTH, TIMELINE_WIDTH, wrapText } from '../../../shared/common/report/html-svg';
import type { Evidence, Report } from '../../../shared/common/schema/report';
import { addr, facts, reportFrom, resolved, rounds } from '../tree/factories';
import { labReport } from './lab-report';
import { all, parseHtml, parseMarkup, type DomDocument, type DomElement } from '../../shared/read-markup';

// This file is type-checked without the DOM library (tsconfig.node.json) and jsdom ships no types:
// the little of the DOM it uses is declared here. jsdom is loaded as a library rather than as the
// test environment, which would replace Node's URL (the lab fixture is read by a file URL).
const one = (root: DomDocument | DomElement, selector: string): DomElement => {
  const found = root.querySelector(selector);
  if (found === null) throw new Error(`no ${selector}`);
  return found;
};

/** Every parse error parse5 reports (the HTML standard's list: a valid document has none). */
function parseErrors(html: string): string[] {
  const errors: ParserError[] = [];
  parse(html, { onParseError: (e) => errors.push(e) });
  return errors.map((e) => `${e.code} at line ${e.startLine}, column ${e.startCol}`);
}

/** Each `<svg>…</svg>` of the source as it was written (they do not nest here). */
function svgSources(html: string): string[] {
  return html.match(/<svg[\s>][\s\S]*?<\/svg>/g) ?? [];
}

/** One picture on its own, as an SVG file would be read: an XML parser, so it must be well-formed. */
function parseSvg(source: string): DomDocument {
  const doc = parseMarkup(source.replace(/^<svg/, '<svg xmlns="http://www.w3.org/2000/svg"'), 'image/svg+xml');
  expect(doc.getElementsByTagName('parsererror').length, 'the SVG is not well-formed XML').toBe(0);
  expect(doc.documentElement.localName).toBe('svg');
  return doc;
}

/**
 * What the page shows for a text: HTML turns CR LF and lone CRs into LF, and the renderer shows
 * controls as their Unicode pictures (ESC as ␛).
 */
function shownAs(text: string): string {
  const c0Picture = (c: string) => (c === '\t' || c === '\n' || c.charCodeAt(0) >= 0x20 ? c : String.fromCharCode(0x2400 + c.charCodeAt(0)));
  return text.replace(/\r\n?/g, '\n').replace(/\p{Cc}/gu, c0Picture);
}

/** The checks every rendered page must pass, whatever it holds. */
function expectSafePage(html: string): DomDocument {
  expect(parseErrors(html)).toEqual([]);
  expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|<base|@import/i);
  const doc = parseHtml(html);
  expect(all(doc, 'script, img, iframe, object, embed, link, base, form, foreignObject')).toEqual([]);
  for (const el of all(doc, '*')) {
    for (const attr of Array.from(el.attributes)) {
      expect(attr.name, `<${el.localName} ${attr.name}>`).not.toMatch(/^on/i);
      expect(attr.value, `<${el.localName} ${attr.name}>`).not.toMatch(/https?:|\/\/|javascript:/i);
      if (/^(src|href|xlink:href|action|formaction|poster|background|srcset)$/i.test(attr.name)) expect(attr.value).toMatch(/^(#|data:)/);
    }
  }
  // Only the renderer's own pictures: a smuggled `<svg onload>` would be a third.
  for (const svg of all(doc, 'svg')) expect(['decision-path', 'evidence-timeline']).toContain(svg.getAttribute('class'));
  for (const m of html.matchAll(/url\(([^)]*)\)/g)) expect(m[1]).toMatch(/^['"]?(#|data:)/);
  for (const source of svgSources(html)) parseSvg(source);
  return doc;
}

const headings = (doc: DomDocument) => all(doc, 'h2').map((h) => h.textContent);

afterEach(() => {
  vi.useRealTimers();
});

describe('renderReportHtml: the lab report (iptables REJECT)', () => {
  const report = labReport();
  const html = renderReportHtml(report);
  const doc = parseHtml(html);

  it('matches the snapshot', async () => {
    await expect(html).toMatchFileSnapshot('./__snapshots__/html-iptables-reject.html');
  });

  it('is a valid, self-contained HTML5 document that nothing can make load or run anything', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')).toBe(true);
    expectSafePage(html);
    // Nothing refers to anything at all: no source, no link, no stylesheet reference.
    expect(html).not.toMatch(/\b(?:src|href|xlink:href)\s*=|url\(/i);
    const csp = all(doc, 'meta').find((m) => m.getAttribute('http-equiv') === 'Content-Security-Policy');
    expect(csp?.getAttribute('content')).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    expect(CONTENT_SECURITY_POLICY).toBe(csp?.getAttribute('content'));
    expect(doc.documentElement.getAttribute('lang')).toBe('en');
    expect(doc.title).toBe('Portwise report: 198.18.0.2:8105 (refused)');
    expect(all(doc, 'style')).toHaveLength(1);
    expect(one(doc, 'style').textContent).toContain('@media print');
    expect(one(doc, 'style').textContent).toContain('break-inside: avoid');
  });

  it('has its sections in order', () => {
    expect(headings(doc)).toEqual(['Diagnosis', 'Fix', 'Verify the fix', 'Decision path', 'Evidence']);
  });

  it('says in the header what was diagnosed, when, and on what', () => {
    const header = one(doc, 'body > header').textContent ?? '';
    for (const fact of ['198.18.0.2:8105', 'refused', report.startedAt, report.finishedAt, '12.65 s', '0.1.0', 'linux 6.18.44-fc-v782, node 20.20.2', 'Proxynone: no proxy variable is set']) expect(header).toContain(fact);
    expect(header).not.toContain('Service');
    expect(header).not.toContain('Symptom');
  });

  it('gives the diagnosis, every fix step with its commands, and how to verify', () => {
    const d = report.diagnosis;
    const diagnosis = one(doc, '#diagnosis').textContent ?? '';
    for (const s of [d.title, d.cause, 'high confidence', d.explanation, d.proof]) expect(diagnosis).toContain(s);
    const steps = all(doc, '#fix ol.steps > li');
    expect(steps).toHaveLength(d.remediation.length);
    d.remediation.forEach((step, i) => {
      expect(all(steps[i]!, 'pre > code').map((c) => c.textContent)).toEqual(step.commands.map((c) => c.command));
      expect(all(steps[i]!, 'figcaption').map((c) => c.textContent)).toEqual(step.commands.map((c) => ({ linux: 'Linux', debian: 'Debian/Ubuntu', rhel: 'RHEL/Fedora' })[c.platform as 'linux']));
    });
    expect(all(doc, '#verify pre > code').map((c) => c.textContent)).toEqual(d.verify.commands.map((c) => c.command));
  });

  it('draws the decision path, one box per step and the cause last, and lists the same steps', () => {
    const svg = one(doc, '#decision-path svg.decision-path');
    const boxes = all(svg, 'g.step');
    expect(boxes).toHaveLength(report.path.length);
    expect(all(svg, 'g.cause')).toHaveLength(1);
    report.path.forEach((step, i) => {
      expect(boxes[i]!.textContent).toContain(`${i + 1}. ${step.title}`);
      expect(boxes[i]!.textContent).toContain(`${step.node} → ${step.next}`);
    });
    expect(one(svg, 'g.cause').textContent).toContain(`Cause: ${report.diagnosis.title}`);
    const items = all(doc, '#decision-path ol.path > li');
    expect(items).toHaveLength(report.path.length);
    report.path.forEach((step, i) => expect(items[i]!.textContent).toContain(step.title));
    expect(items.every((li) => li.textContent?.includes('Decided by the evidence.'))).toBe(true);
    expect(one(doc, '#decision-path .conclusion').textContent).toBe(`Concluded: ${report.diagnosis.title} (${report.diagnosis.cause})`);
    // The picture is exactly as tall as its layout.
    const layout = layoutDecisionPath(report.path, report.diagnosis);
    expect(svg.getAttribute('viewBox')).toBe(`0 0 ${PATH_WIDTH} ${layout.height}`);
  });

  it('draws the evidence timeline, one bar per evidence', () => {
    const sources = svgSources(html);
    expect(sources).toHaveLength(2);
    const timeline = parseSvg(sources[1]!);
    const bars = all(timeline, 'g.bar');
    expect(bars).toHaveLength(report.evidence.length);
    report.evidence.forEach((e, i) => expect(one(bars[i]!, 'title').textContent).toContain(`Evidence ${i + 1}, ${e.id}: ${e.status}`));
    expect(all(parseSvg(sources[0]!), 'g.step')).toHaveLength(report.path.length);
    // The failed `docker ps` is red, the rest green.
    const fills = bars.map((b) => all(b, 'rect')[0]!.getAttribute('fill'));
    expect(fills[report.evidence.findIndex((e) => e.status === 'error')]).toBe('#a4261d');
    expect(new Set(fills.filter((_, i) => report.evidence[i]!.status === 'ok'))).toEqual(new Set(['#1a6b34']));
  });

  it('lays the timeline out by time: x from the start, width by duration', () => {
    const layout = layoutEvidenceTimeline(report);
    const plotLeft = layout.ticks[0]!.x;
    const scale = (layout.ticks[1]!.x - plotLeft) / (layout.ticks[1]!.label.endsWith(' s') ? Number.parseFloat(layout.ticks[1]!.label) * 1000 : Number.parseFloat(layout.ticks[1]!.label));
    report.evidence.forEach((e, i) => {
      const bar = layout.bars[i]!;
      const offset = Date.parse(e.startedAt) - Date.parse(report.startedAt);
      expect(bar.x).toBeCloseTo(plotLeft + offset * scale, 6);
      expect(bar.w).toBeCloseTo(Math.max(2, e.ms * scale), 6);
      expect(bar.x + bar.w).toBeLessThanOrEqual(TIMELINE_WIDTH);
    });
    // The run took 12.65 s: ticks every 5 s.
    expect(layout.ticks.map((t) => t.label)).toEqual(['0 s', '5 s', '10 s']);
  });

  it('shows every evidence in detail: the exact command, the summary and the raw output, as text', () => {
    const articles = all(doc, '#evidence article.evidence');
    expect(articles).toHaveLength(report.evidence.length);
    report.evidence.forEach((e: Evidence, i) => {
      const article = articles[i]!;
      expect(one(article, 'h3').textContent).toBe(`${i + 1}. ${e.id} ${e.status}`);
      expect(one(article, 'pre > code').textContent).toBe(shownAs(e.command));
      expect(article.textContent).toContain(e.where);
      const raw = all(article, 'pre.output:not(.stderr) > samp').map((s) => s.textContent);
      expect(raw).toEqual(e.raw === null || e.raw === '' ? [] : [shownAs(e.raw)]);
      const stderr = all(article, 'pre.output.stderr > samp').map((s) => s.textContent);
      expect(stderr).toEqual(e.facts.check === 'remote-command' && e.facts.stderr !== '' ? [shownAs(e.facts.stderr)] : []);
    });
    expect(all(doc, 'pre.output').length).toBeGreaterThan(5);
    // The failed `docker ps`: how it ended, and what it said on stderr.
    const docker = articles[report.evidence.findIndex((e) => e.status === 'error')]!;
    expect(docker.textContent).toContain('Exit code');
    expect(one(docker, 'pre.output.stderr').textContent).toContain('Cannot connect to the Docker daemon');
  });

  it('does not depend on the clock or the time zone', () => {
    vi.useFakeTimers({ now: new Date('1999-12-31T23:59:59Z') });
    expect(renderReportHtml(labReport())).toBe(html);
  });
});

const HOSTILE = `<img src=x onerror=alert(1)> <script>alert(1)</script> "><svg onload=alert(1)> '><b>&amp; &lt;`;

/** The lab report with hostile text in every place remote or typed text reaches the page. */
function hostileLabReport(): Report {
  const r = labReport();
  r.target.input = HOSTILE;
  const e = r.evidence.find((x) => x.raw !== null && x.raw !== '')!;
  e.raw = `${HOSTILE}\n${e.raw}`;
  e.summary = HOSTILE;
  e.command = HOSTILE;
  e.where = HOSTILE;
  r.evidence[0]!.id = HOSTILE;
  r.path[0]!.reason = HOSTILE;
  r.path[1]!.title = HOSTILE;
  r.diagnosis.title = HOSTILE;
  r.diagnosis.remediation[0]!.commands[0]!.command = HOSTILE;
  r.workstation.release = HOSTILE;
  return r;
}

/** A report that stopped at a question, after a login failed, with people's answers and an override. */
function questionReport(text = 'ordinary'): Report {
  const r = reportFrom(facts('db.example:5432', resolved('db.example', [addr('198.18.3.5')]), rounds('198.18.3.5', 'refused', 'refused'), { serviceHint: 'postgresql', symptom: 'refused' }));
  r.path[0] = { ...r.path[0]!, by: 'override', automatic: 'T1', overrideReason: `${text} reason` };
  r.path[1] = { ...r.path[1]!, by: 'answer' };
  r.answers = { [r.path[0]!.node]: { override: { to: r.path[0]!.next, reason: `${text} reason` } }, [r.path[1]!.node]: { choice: 'yes' }, T60: { paste: `${text}\nsecond line` } };
  r.sshFailure = {
    kind: 'auth-failed',
    message: `${text}: permission denied`,
    hop: 2,
    failedHop: { index: 2, total: 2, user: 'root', host: 'db.example', port: 22, role: 'target' },
    chain: [{ hop: { index: 1, total: 2, user: 'me', host: 'bastion', port: 22, role: 'jump' }, status: 'ok' }, { hop: { index: 2, total: 2, user: 'root', host: 'db.example', port: 22, role: 'target' }, status: 'failed' }],
    methodsTried: ['agent', `publickey /home/me/.ssh/${text}`],
    serverMethods: ['publickey'],
    keyPath: null,
  };
  const attempt = { address: '198.18.3.5', family: 4 as const, port: 5432, round: 1, startedAt: 0, ms: 0.4, status: 'refused' as const, errno: 'ECONNREFUSED', detail: '', afterConnect: false, banner: null };
  r.verifications = [
    { at: '2026-11-24T10:00:00.000Z', before: [attempt, { ...attempt, round: 2 }], after: [{ ...attempt, ms: 0.5 }], fixed: false },
    { at: '2026-11-24T10:05:00.000Z', before: [attempt, { ...attempt, round: 2 }], after: [{ ...attempt, status: 'connected', errno: null, ms: 0.6 }], fixed: true },
  ];
  r.workstation.proxy = { variables: [{ name: 'HTTPS_PROXY', value: 'http://proxy.example:3128' }], proxyForTarget: null, noProxyMatch: 'db.example' };
  return r;
}

describe('renderReportHtml: hostile text is shown, never run', () => {
  it('keeps markup in a raw output, a summary, the typed target and a command as text', () => {
    const report = hostileLabReport();
    const html = renderReportHtml(report);
    const doc = expectSafePage(html);
    expect(all(doc, 'svg')).toHaveLength(2);
    expect(all(doc, 'b')).toEqual([]);
    const e = report.evidence.find((x) => x.summary === HOSTILE)!;
    const article = one(doc, `#evidence-${report.evidence.indexOf(e) + 1}`);
    expect(one(article, 'pre > code').textContent).toBe(HOSTILE);
    expect(one(article, 'pre.output > samp').textContent).toBe(shownAs(e.raw!));
    expect(article.textContent).toContain(`Summary${HOSTILE}`);
    expect(article.textContent).toContain(`Where${HOSTILE}`);
    expect(one(doc, 'body > header').textContent).toContain(`Typed${HOSTILE}`);
    expect(one(doc, 'body > header').textContent).toContain(HOSTILE);
    expect(one(doc, '#diagnosis .verdict .title').textContent).toBe(HOSTILE);
    expect(one(doc, '#fix pre > code').textContent).toBe(HOSTILE);
    expect(one(doc, '#evidence-1 h3').textContent).toContain(HOSTILE);
    expect(doc.title).not.toContain('<');
  });

  it('keeps it text inside the SVG pictures too (which stay well-formed)', () => {
    const report = hostileLabReport();
    const [path, timeline] = svgSources(renderReportHtml(report)).map(parseSvg);
    expect(all(path!, 'g.step')[0]!.textContent).toContain('onerror=alert(1)>');
    expect(all(path!, 'g.step')[1]!.textContent).toContain('<script>alert(1)</script>');
    expect(one(path!, 'g.cause title').textContent).toContain(HOSTILE);
    expect(one(all(timeline!, 'g.bar')[0]!, 'title').textContent).toContain(HOSTILE);
    expect(all(path!, 'g.step')).toHaveLength(report.path.length);
    expect(all(timeline!, 'g.bar')).toHaveLength(report.evidence.length);
  });

  it('keeps it text in the question, the login failure and the answers', () => {
    const html = renderReportHtml(questionReport(HOSTILE));
    const doc = expectSafePage(html);
    expect(one(doc, '#ssh-failure').textContent).toContain(`${HOSTILE}: permission denied`);
    expect(one(doc, '#answers').textContent).toContain(`reason: “${HOSTILE} reason”`);
    expect(one(doc, '#answers pre.output > samp').textContent).toBe(`${HOSTILE}\nsecond line`);
    expect(one(doc, '#decision-path ol.path > li').textContent).toContain(`reason: “${HOSTILE} reason”`);
  });

  it('shows control characters (ANSI colours, NUL) as visible pictures, keeping the page valid', () => {
    const report = labReport();
    const e = report.evidence.find((x) => x.raw !== null && x.raw !== '')!;
    e.raw = '\u001b[31mred\u001b[0m\u0000 tab\there\r\nnext\u007f\u0085\ufffe';
    e.summary = 'bell\u0007';
    report.path[0]!.reason = 'escape \u001b[1m in a reason';
    const doc = expectSafePage(renderReportHtml(report));
    expect(one(doc, 'pre.output > samp').textContent).toBe('␛[31mred␛[0m␀ tab\there\nnext\u2421\ufffd\ufffd');
    expect(doc.querySelector('#evidence')?.textContent).toContain('bell␇');
  });
});

describe('renderReportHtml: other reports', () => {
  it('states the digest of each whole output: of a cut one, that it covers all of it; of a redacted one, that it was left out', () => {
    const r = labReport();
    const [k, j] = r.evidence.flatMap((e, i) => (e.raw ? [i] : []));
    r.evidence[k!] = { ...r.evidence[k!]!, raw: 'cut output\n[... cut at 65536 bytes]', rawSha256: 'c'.repeat(64), rawBytes: 70_000 };
    r.evidence[j!] = { ...r.evidence[j!]!, rawSha256: null, rawBytes: 12 };
    const doc = expectSafePage(renderReportHtml(r));
    expect(one(doc, `#evidence-${k! + 1}`).textContent).toContain(`Whole outputsha256 ${'c'.repeat(64)}, 70000 bytes; the output shown is cut, the digest covers all of it`);
    expect(one(doc, `#evidence-${j! + 1}`).textContent).toContain('Whole output12 bytes; its sha256 is left out because this output was redacted');
  });

  it('shows an inconclusive verdict, the pending question, the login failure and people’s answers, in order', () => {
    const report = questionReport();
    const doc = expectSafePage(renderReportHtml(report));
    expect(headings(doc)).toEqual([...HTML_SECTION_HEADINGS]);
    const diagnosis = one(doc, '#diagnosis').textContent ?? '';
    expect(diagnosis).toContain('Missing evidence');
    for (const m of report.diagnosis.candidates) expect(diagnosis).toContain(m.title);
    expect(all(doc, '#diagnosis ul')[0]!.querySelectorAll('li')).toHaveLength(report.diagnosis.missing.length);
    const pending = one(doc, '#pending').textContent ?? '';
    for (const c of report.pending!.choices) expect(pending).toContain(c.leadsTo);
    expect(all(doc, '#pending pre > code').map((c) => c.textContent)).toEqual(report.pending!.paste!.commands.map((c) => c.command));
    const ssh = one(doc, '#ssh-failure').textContent ?? '';
    for (const s of ['auth-failed', 'target host 2 of 2, root@db.example:22', 'jump host 1 of 2, me@bastion:22: ok', 'agent', 'publickey']) expect(ssh).toContain(s);
    const items = all(doc, '#decision-path ol.path > li');
    expect(items[0]!.textContent).toContain("a person's override (reason: “ordinary reason”); the evidence alone led to T1");
    expect(items[1]!.textContent).toContain("a person's answer (yes)");
    expect(one(doc, '#decision-path .conclusion').textContent).toContain('Ended inconclusive');
    // Decided by a person: dashed in the picture.
    const boxes = all(doc, 'svg.decision-path g.step');
    expect(all(boxes[0]!, 'rect')[0]!.getAttribute('stroke-dasharray')).not.toBeNull();
    expect(all(boxes[2]!, 'rect')[0]!.getAttribute('stroke-dasharray')).toBeNull();
    expect(boxes[0]!.textContent).toContain('overridden by a person');
    expect(one(doc, 'svg.decision-path g.cause').textContent).toContain('Inconclusive');
    const verifications = all(doc, '#verifications table');
    expect(verifications).toHaveLength(2);
    expect(verifications.map((t) => t.querySelector('tbody td:last-child')?.textContent)).toEqual(['Refused (0.5 ms · ECONNREFUSED) still failing', 'Connected (0.6 ms) fixed']);
    expect(one(doc, '#verifications').textContent).toContain('Not fixed: 1 address still fails.');
    expect(one(doc, '#verifications').textContent).toContain('Fixed: every address connects now.');
    const header = one(doc, 'body > header').textContent ?? '';
    expect(header).toContain('ProxyHTTPS_PROXY=http://proxy.example:3128; the target is exempt (NO_PROXY entry db.example)');
    expect(header).toContain('Servicepostgresql');
    expect(header).toContain('Symptomrefused');
  });

  it('without evidence draws no timeline and says so', () => {
    const doc = expectSafePage(renderReportHtml(questionReport()));
    expect(all(doc, 'svg')).toHaveLength(1);
    expect(one(doc, '#evidence').textContent).toContain('No evidence was collected.');
  });

  it('draws the cause alone when no step was taken', () => {
    const report = { ...questionReport(), path: [] };
    const doc = expectSafePage(renderReportHtml(report));
    expect(all(doc, 'svg.decision-path g.step')).toHaveLength(0);
    expect(all(doc, 'svg.decision-path g.cause')).toHaveLength(1);
    expect(one(doc, '#decision-path').textContent).toContain('No step was taken.');
  });
});

describe('the pictures’ layout', () => {
  it('stacks the decision path’s boxes top to bottom, each arrow from one box to the next', () => {
    const report = questionReport();
    const { boxes, height } = layoutDecisionPath(report.path, report.diagnosis);
    boxes.slice(0, -1).forEach((box, i) => {
      const next = boxes[i + 1]!;
      expect(box.arrow).toEqual({ x: expect.any(Number), y1: box.y + box.h, y2: next.y });
      // The reason fits between the boxes.
      expect(box.reasonLines.length * 16).toBeLessThanOrEqual(next.y - (box.y + box.h));
    });
    expect(boxes.at(-1)!.arrow).toBeNull();
    expect(height).toBeGreaterThan(boxes.at(-1)!.y + boxes.at(-1)!.h);
    // Text is wrapped to the box by estimate: a line never needs more than 0.6 em a character.
    for (const box of boxes) for (const line of box.titleLines) expect(line.length * 14 * 0.6).toBeLessThanOrEqual(box.w);
  });

  it('wraps words, cutting only a word longer than a line', () => {
    expect(wrapText('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrapText('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrapText('', 5)).toEqual(['']);
  });

  it('escapes the five markup characters and makes controls visible', () => {
    expect(escapeMarkup(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(escapeMarkup('a\tb\nc\r\u001b\u0000\u009b')).toBe('a\tb\nc\r␛␀\ufffd');
    expect(escapeMarkup('\ud800 é 😀')).toBe('\ufffd é 😀');
  });
});
