import { err, ok, type Result } from '../result';

/**
 * Kernel SNMP/netstat counters (catalog §2.1 "Listen-queue pressure", §2.2). Pure.
 *
 * All three sources give the same names, nstat's: the section prefix glued to the field name
 * (`TcpExt:` + `ListenOverflows` = `TcpExtListenOverflows`, `Tcp:` + `MaxConn` = `TcpMaxConn`).
 * - `nstat -az [NAME...]`: `#kernel`, then `NAME VALUE RATE` lines;
 * - `nstat -azj`: `{"kernel":{"NAME":VALUE,...}}`;
 * - `/proc/net/netstat` and `/proc/net/snmp`: pairs of `Prefix: names...` / `Prefix: values...`
 *   lines (also `/proc/net/snmp6` `NAME VALUE` lines).
 *
 * Values are 64-bit counters read into JS numbers: exact up to 2^53, approximate beyond. Some
 * snmp fields are signed (`TcpMaxConn` is -1). Counters are per network namespace.
 *
 * Records have no prototype, so a counter named `__proto__` or `constructor` is just a key.
 */

export type Counters = Record<string, number>;

export interface CountersParseError {
  code: 'bad-line' | 'bad-json' | 'mismatched-lines';
  message: string;
  line?: number;
}

const NAME = /^[A-Za-z0-9_-]{1,128}$/;
const INTEGER = /^-?[0-9]{1,20}$/;

export function parseNstat(text: string): Result<Counters, CountersParseError> {
  const counters = emptyCounters();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue; // `#kernel` names the counter source
    const fields = line.split(/[ \t]+/);
    const [name = '', value = ''] = fields;
    if (fields.length > 3 || !NAME.test(name) || !INTEGER.test(value)) {
      return err({ code: 'bad-line', message: `Line ${i + 1}: expected "NAME VALUE [RATE]": "${line.slice(0, 120)}"`, line: i + 1 });
    }
    counters[name] = Number(value);
  }
  return ok(counters);
}

export function parseNstatJson(text: string): Result<Counters, CountersParseError> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return err({ code: 'bad-json', message: `Not JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
  const kernel = isObject(data) ? data['kernel'] : undefined;
  if (!isObject(kernel)) return err({ code: 'bad-json', message: 'Expected {"kernel":{NAME:VALUE,...}} (nstat -j).' });
  const counters = emptyCounters();
  for (const [name, value] of Object.entries(kernel)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return err({ code: 'bad-json', message: `Counter ${name} is not a number.` });
    counters[name] = value;
  }
  return ok(counters);
}

export function parseProcNetstat(text: string): Result<Counters, CountersParseError> {
  const counters = emptyCounters();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) {
      // /proc/net/snmp6 style: "Ip6InReceives   12".
      const [name = '', value = '', extra] = line.split(/[ \t]+/);
      if (extra !== undefined || !NAME.test(name) || !INTEGER.test(value)) {
        return err({ code: 'bad-line', message: `Line ${i + 1}: expected "Prefix: fields" or "NAME VALUE": "${line.slice(0, 120)}"`, line: i + 1 });
      }
      counters[name] = Number(value);
      continue;
    }
    const prefix = line.slice(0, colon);
    const names = line.slice(colon + 1).trim().split(/[ \t]+/);
    const valueLine = (lines[i + 1] ?? '').trim();
    const valueColon = valueLine.indexOf(':');
    if (valueColon < 0 || valueLine.slice(0, valueColon) !== prefix) {
      return err({ code: 'mismatched-lines', message: `Line ${i + 1}: the "${prefix}:" header is not followed by its values line.`, line: i + 1 });
    }
    const values = valueLine.slice(valueColon + 1).trim().split(/[ \t]+/);
    if (names.length !== values.length) {
      return err({ code: 'mismatched-lines', message: `Line ${i + 2}: ${names.length} names but ${values.length} values for "${prefix}:".`, line: i + 2 });
    }
    for (let k = 0; k < names.length; k++) {
      const name = `${prefix}${names[k] ?? ''}`;
      const value = values[k] ?? '';
      if (!NAME.test(name) || !INTEGER.test(value)) {
        return err({ code: 'bad-line', message: `Line ${i + 2}: "${prefix}:" field ${k + 1} is not NAME=integer.`, line: i + 2 });
      }
      counters[name] = Number(value);
    }
    i++; // the values line
  }
  return ok(counters);
}

/**
 * `after - before` for every counter in `after`. A counter missing from `before` counts from 0
 * (it appeared, e.g. a newer kernel module). A negative delta means the counter was reset (the
 * namespace or host was recreated) and is returned as is, for the caller to judge.
 */
export function diffCounters(before: Readonly<Counters>, after: Readonly<Counters>): Counters {
  const delta = emptyCounters();
  for (const [name, value] of Object.entries(after)) {
    const old = Object.prototype.hasOwnProperty.call(before, name) ? (before[name] ?? 0) : 0;
    delta[name] = value - old;
  }
  return delta;
}

function emptyCounters(): Counters {
  return Object.create(null) as Counters;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
