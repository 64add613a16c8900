import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../shared/common/report/html';
import { renderReportFile } from '../../../shared/node/report/export';
import { HOSTILE, hostileReport } from './hostile-server';
import { parseHtml, type DomDocument } from '../../shared/read-markup';

// Remote output is text, never markup. A server whose every command prints markup (and whose journal
// and process names carry it) is read by the real collector and runner; its evidence goes into a
// report, the report is exported as HTML, and the page is parsed the way a browser parses it (jsdom):
// no element or attribute may come from the server, and the text must show verbatim.

function expectInert(html: string): DomDocument {
  const doc = parseHtml(html);
  // As strings: a failure message that printed jsdom nodes would need jsdom's window.
  const found = Array.from(doc.querySelectorAll('script, img, iframe, object, embed, meta[http-equiv]:not([http-equiv="Content-Security-Policy"]), style:not(head style), base, form, textarea, a[href^="javascript" i]'));
  expect(found.map((el) => el.outerHTML)).toEqual([]);
  for (const el of Array.from(doc.querySelectorAll('*'))) {
    for (const attr of Array.from(el.attributes)) {
      expect(attr.name, `<${el.localName} ${attr.name}>`).not.toMatch(/^on|^autofocus$/i);
      expect(attr.value, `<${el.localName} ${attr.name}>`).not.toMatch(/javascript:|__pwned|198\.18\.0\.254/i);
    }
  }
  // Only the page's own <b>s: none with the server's text.
  for (const b of Array.from(doc.querySelectorAll('b'))) expect(b.textContent).not.toBe('bold');
  return doc;
}

describe('remote output in the HTML report is text', () => {
  it('every markup line a server printed shows verbatim, and none of it became an element or attribute', async () => {
    const report = await hostileReport();
    expect(report.evidence.filter((e) => e.where.includes(HOSTILE[6]!)).length).toBeGreaterThan(5);
    const exported = await renderReportFile(report, 'html', new Set(), null);
    expect(exported.ok).toBe(true);
    const html = exported.ok ? String(exported.content) : '';
    expect(html).toBe(renderReportHtml(report));
    const doc = expectInert(html);
    const text = doc.body.textContent ?? '';
    for (const line of HOSTILE) expect(text, line).toContain(line);
    // The page did get the server's text in several places: raw outputs, the service, the login.
    expect(text.split(HOSTILE[0]!).length - 1).toBeGreaterThan(3);
  });

  it('the check sees markup that got through', () => {
    const doc = parseHtml(`<p>${HOSTILE[0]}</p>`);
    expect(doc.querySelectorAll('img').length).toBe(1);
    expect(() => expectInert(`<p>${HOSTILE[0]}</p>`)).toThrow();
    expect(() => expectInert(`<p title="${HOSTILE[5]}">x</p>`)).toThrow();
  });
});
