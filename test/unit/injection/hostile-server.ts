import { readFileSync } from 'node:fs';
import type { Capabilities } from '../../../shared/common/parsers/capabilities';
import type { Evidence, Report } from '../../../shared/common/schema/report';
import type { RemoteSession } from '../../../shared/node/remote/access';
import { collectRemote } from '../../../shared/node/remote/collect';
import { RemoteRunner, defaultRunnerOptions } from '../../../shared/node/remote/runner';
import type { ExecTransport } from '../../../shared/node/remote/transport';
import { scriptedTransport } from '../../shared/framed-answer';
import { labReport } from '../report/lab-report';

/**
 * A server that prints markup: every command's output, its journal, its process and container names.
 * Its output is read by the real collector and runner, so the evidence is what the engine would
 * really record from such a server. Used by the HTML report test and by the UI test in Chromium.
 */

/** Each would run script, load something or break out of an element or attribute if it were markup. */
export const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '<a href="javascript:window.__pwned=3">click</a>',
  '</textarea><img src=x onerror=window.__pwned=4>',
  '</pre></code></td></tr></table><img src=x onerror=window.__pwned=5>',
  '" onmouseover="window.__pwned=6" x="',
  "' onfocus='window.__pwned=7' autofocus x='",
  '<svg onload=window.__pwned=8>',
  '<iframe src="javascript:window.__pwned=9"></iframe>',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=10">',
  '<style>body{background:url(https://198.18.0.254/x)}</style>',
  '<!-- --><b>bold</b>&lt;escaped&gt;&amp;',
];

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const PORT = 47103;
const hostileLines = HOSTILE.join('\n');
const journalLine = (message: string) => JSON.stringify({ __REALTIME_TIMESTAMP: '1700000000000000', MESSAGE: message, PRIORITY: '3', _SYSTEMD_UNIT: 'nginx.service' });

/** A server whose answers are real outputs with markup added, where each format can carry text. */
const SERVER: [RegExp, () => string][] = [
  [/ss -Htlnpe4/, () => `LISTEN 0 511 127.0.0.1:${PORT} 0.0.0.0:* users:(("${HOSTILE[0]}",pid=4242,fd=6)) ino:1 sk:1 cgroup:/system.slice/x.service <->\n${hostileLines}\n`],
  [/ss -Htlnpe6/, () => `${hostileLines}\n`],
  [/ip route get/, () => `${fixture('ip/route-get-v4-local-198.18.0.2.txt')}${hostileLines}\n`],
  [/systemctl is-active/, () => `inactive\n${HOSTILE[1]}\n`],
  [/systemctl show/, () => `${fixture('systemd/systemctl-show-nginx-port-conflict.txt').replace(/^Result=.*$/m, `Result=${HOSTILE[3]}`)}${hostileLines}\n`],
  [/journalctl -u/, () => `${HOSTILE.map(journalLine).join('\n')}\n`],
  [/iptables-nft-save/, () => `${fixture('firewall/iptables-save/sequence/02-3x-8082-tcp-reset/iptables-nft-save-c.txt')}# ${HOSTILE.join('\n# ')}\n`],
  [/cat \/proc\/net\/snmp/, () => `${fixture('nstat/proc-net-snmp.txt')}${hostileLines}\n`],
  [/docker ps/, () => `${JSON.stringify({ ID: 'abc', Names: HOSTILE[0], Image: HOSTILE[2], State: 'exited', Status: HOSTILE[5], Ports: '' })}\n`],
];

function hostileServer(): ExecTransport {
  return scriptedTransport('hostile-server', (command) => ({ stdout: SERVER.find(([re]) => re.test(command))?.[1]() ?? hostileLines, stderr: HOSTILE[4]! })).transport;
}

export async function hostileEvidence(): Promise<Evidence[]> {
  const capabilities: Capabilities = {
    kernel: 'Linux', kernelRelease: '6.1.0', osId: 'debian', osVersion: '12', uid: 0, user: 'root', tools: new Set(['ss', 'ip', 'systemctl', 'journalctl', 'iptables-nft-save', 'docker']),
    sudo: false, systemd: true, busybox: false, bashDevTcp: false, iptablesBackend: 'nf_tables', legacyTables: { v4: null, v6: null },
  };
  const session: RemoteSession = {
    server: `root@${HOSTILE[6]}:22`,
    chain: undefined as never, // collectRemote never touches the SSH chain
    probeDigest: null,
    runner: new RemoteRunner(hostileServer(), defaultRunnerOptions),
    capabilities,
    probeOutput: hostileLines,
    close: async () => {},
  };
  const evidence: Evidence[] = [];
  await collectRemote(session, {
    port: PORT,
    failing: [{ address: '198.18.0.2', family: 4, sources: ['literal'], loopback: false, localInterface: null }],
    service: HOSTILE[1]!,
    reprobe: async () => {},
    onEvidence: (e) => evidence.push(e),
  });
  return evidence;
}

/** The lab's real report, with the hostile server's evidence added and markup in the verdict's words. */
export async function hostileReport(): Promise<Report> {
  const base = labReport();
  return {
    ...base,
    evidence: [...base.evidence, ...(await hostileEvidence())],
    diagnosis: { ...base.diagnosis, reason: `${base.diagnosis.reason} ${HOSTILE[0]}`, summary: `${HOSTILE[2]}` },
  };
}
