import { createRequire } from 'node:module';

/**
 * Exported pages read back the way a browser reads them: jsdom's DOMParser, which runs no script.
 * The Node tests have no DOM types, so this types the part of the DOM they look at.
 */

export interface DomAttr {
  name: string;
  value: string;
}

export interface DomElement {
  localName: string;
  id: string;
  namespaceURI: string | null;
  outerHTML: string;
  textContent: string | null;
  attributes: ArrayLike<DomAttr>;
  getAttribute(name: string): string | null;
  closest(selector: string): DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  compareDocumentPosition(other: DomElement): number;
}

export interface DomDocument {
  title: string;
  body: DomElement;
  documentElement: DomElement;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  getElementsByTagName(name: string): ArrayLike<DomElement>;
}

type MarkupType = 'text/html' | 'image/svg+xml';
const { JSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: new (html: string) => { window: { DOMParser: new () => { parseFromString(source: string, type: MarkupType): DomDocument } } } };
const { DOMParser } = new JSDOM('').window;

export const parseMarkup = (source: string, type: MarkupType): DomDocument => new DOMParser().parseFromString(source, type);
export const parseHtml = (html: string): DomDocument => parseMarkup(html, 'text/html');

/** The elements under `root` that `selector` matches, as an array. */
export const all = (root: DomDocument | DomElement, selector: string): DomElement[] => Array.from(root.querySelectorAll(selector));
