import { promises as dns } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { hostsFileAddresses, parseHostsFile } from '../../common/parsers/hosts-file';
import type { AddressSource, Resolution, ResolvedAddress } from '../../common/schema/probe';
import type { Target } from '../../common/schema/target';
import { addressLocality, localAddressMap } from './local';

export interface ResolveOptions {
  /** Deadline for the direct DNS queries (getaddrinfo has its own, set by the system). */
  dnsTimeoutMs: number;
  /** At most this many addresses are probed; a name with more is cut, and the evidence says so. */
  maxAddresses: number;
  hostsFilePath?: string;
}

export const defaultResolveOptions: ResolveOptions = { dnsTimeoutMs: 2000, maxAddresses: 16 };

export interface ResolveResult {
  resolution: Resolution;
  /** What was asked and answered, for the report. */
  raw: string;
}

export function systemHostsFilePath(): string {
  return process.platform === 'win32'
    ? path.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'drivers', 'etc', 'hosts')
    : '/etc/hosts';
}

/**
 * Every address of the target, as applications see them (getaddrinfo: hosts file and NSS included),
 * each marked with where it came from: the hosts file, a direct DNS answer, or another system source.
 */
export async function resolveTarget(target: Target, options: ResolveOptions = defaultResolveOptions, signal?: AbortSignal): Promise<ResolveResult> {
  const t0 = performance.now();
  const local = localAddressMap();
  const elapsed = () => Math.round((performance.now() - t0) * 1000) / 1000;
  if (target.hostKind !== 'name') {
    const address: ResolvedAddress = { address: target.host, family: target.hostKind === 'ipv6' ? 6 : 4, sources: ['literal'], ...addressLocality(target.host, local) };
    return { resolution: { status: 'resolved', name: target.host, addresses: [address], dnsQueried: false, dnsOnlyAddresses: [], hostsFile: null, ms: elapsed() }, raw: `${target.host} is an address literal: no lookup.` };
  }

  const name = target.host;
  const hostsPath = options.hostsFilePath ?? systemHostsFilePath();
  const [system, direct, hostsText] = await Promise.all([
    dns.lookup(name, { all: true, order: 'verbatim' }).then(
      (list) => ({ ok: true as const, list }),
      (error: NodeJS.ErrnoException) => ({ ok: false as const, code: error.code ?? 'UNKNOWN', message: error.message }),
    ),
    queryDns(name, options.dnsTimeoutMs, signal),
    readFile(hostsPath, 'utf8').then(
      (text) => text,
      () => null,
    ),
  ]);
  const fromHosts = hostsText === null ? [] : hostsFileAddresses(parseHostsFile(hostsText), name);
  const raw = [
    `getaddrinfo(${name}): ${system.ok ? system.list.map((a) => a.address).join(', ') || '(none)' : `${system.code} ${system.message}`}`,
    `DNS A: ${direct.a.join(', ') || direct.aError || '(none)'}`,
    `DNS AAAA: ${direct.aaaa.join(', ') || direct.aaaaError || '(none)'}`,
    `${hostsPath}: ${hostsText === null ? 'unreadable' : fromHosts.join(', ') || `no entry for ${name}`}`,
  ].join('\n');

  if (!system.ok || system.list.length === 0) {
    const code = system.ok ? 'ENODATA' : system.code;
    const message = system.ok ? 'The name has no address.' : describeLookupError(code, system.message);
    return { resolution: { status: 'failed', name, errno: code, message, ms: elapsed() }, raw };
  }

  const dnsAnswers = new Set([...direct.a, ...direct.aaaa]);
  const seen = new Set<string>();
  const addresses: ResolvedAddress[] = [];
  for (const entry of system.list) {
    if (seen.has(entry.address) || addresses.length >= options.maxAddresses) continue;
    seen.add(entry.address);
    const sources: AddressSource[] = [];
    if (fromHosts.includes(entry.address)) sources.push('hosts-file');
    if (dnsAnswers.has(entry.address)) sources.push('dns');
    if (sources.length === 0) sources.push('system');
    addresses.push({ address: entry.address, family: entry.family === 6 ? 6 : 4, sources, ...addressLocality(entry.address, local) });
  }
  const dnsOnlyAddresses = [...dnsAnswers].filter((a) => !seen.has(a));
  return {
    resolution: { status: 'resolved', name, addresses, dnsQueried: direct.queried, dnsOnlyAddresses, hostsFile: hostsText === null ? null : hostsPath, ms: elapsed() },
    raw,
  };
}

function describeLookupError(code: string, message: string): string {
  switch (code) {
    case 'ENOTFOUND':
      return 'The name does not exist (no DNS record and no hosts-file entry).';
    case 'EAI_AGAIN':
      return 'The resolver did not answer in time (temporary DNS failure).';
    case 'ENODATA':
      return 'The name exists but has no A or AAAA record.';
    default:
      return message;
  }
}

interface DirectDns {
  queried: boolean;
  a: string[];
  aaaa: string[];
  aError: string | null;
  aaaaError: string | null;
}

/** Plain DNS A and AAAA queries, bypassing the hosts file, with a hard deadline. */
async function queryDns(name: string, timeoutMs: number, signal?: AbortSignal): Promise<DirectDns> {
  // localhost is answered by the system itself (RFC 6761), never by DNS.
  if (name === 'localhost' || name.endsWith('.localhost')) return { queried: false, a: [], aaaa: [], aError: 'not asked (localhost)', aaaaError: 'not asked (localhost)' };
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
  const onAbort = () => resolver.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  const ask = (query: Promise<string[]>) => query.then((list) => ({ list, error: null }), (e: NodeJS.ErrnoException) => ({ list: [] as string[], error: e.code ?? 'ERROR' }));
  try {
    const [a, aaaa] = await Promise.all([ask(resolver.resolve4(name)), ask(resolver.resolve6(name))]);
    return { queried: true, a: a.list, aaaa: aaaa.list, aError: a.error, aaaaError: aaaa.error };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
