import { isLoopbackAddress } from '../net/address';
import { formatAddressPort } from '../schema/target';
import { addressList, ask, leaf, next } from './decisions';
import { addressResults, describeAttempts, describeListener, formatMs, isLocalAddress, listenerCovers, listenersOnPort, medianMs, type AddressResult } from './facts';
import type { TreeNode } from './types';

/** The workstation's side of the tree (catalog T0–T5): what the client got, and whether it stays on this computer. */

const T0: TreeNode = {
  id: 'T0',
  title: 'Resolve the name',
  why: 'Every address the name stands for is probed on its own, so first find them all: DNS, the hosts file, or a literal address.',
  checks: ['DNS A and AAAA records', 'the hosts file'],
  branches: ['T1', 'dns-failure'],
  manual: {
    question: 'Paste the exact error and the exact host, URL and port your application uses. Does the name resolve?',
    choices: [
      { id: 'resolves', label: 'The name resolves to one or more addresses', leadsTo: 'T1' },
      { id: 'unknown-name', label: 'The name does not resolve ("unknown host", NXDOMAIN)', leadsTo: 'dns-failure' },
    ],
    paste: null,
  },
  decide(facts) {
    const r = facts.resolution;
    if (r.status === 'failed') {
      return leaf('dns-failure', r.errno === 'ENOTFOUND' ? 'high' : 'medium', `${r.name} did not resolve (${r.errno}): ${r.message}`);
    }
    const addrs = r.addresses.map((a) => a.address).join(', ');
    return next('T1', `${r.name} resolved to ${r.addresses.length} address${r.addresses.length === 1 ? '' : 'es'}: ${addrs}.`);
  },
};

const T1: TreeNode = {
  id: 'T1',
  title: 'What did the client really get?',
  why: 'A real refusal (a TCP reset) is a different problem from a timeout, "no route to host", or a connection that is accepted and then closed.',
  checks: ['a TCP connect to every address, with its error and time'],
  branches: ['T2', 'T5', 'T6', 'T20', 'T30', 'T31', 'T40', 'T50'],
  manual: {
    question: 'Does the message say refused, timed out, reset, "no route to host", or an HTTP 502/503?',
    choices: [
      { id: 'refused', label: 'Connection refused', leadsTo: 'T2' },
      { id: 'no-route', label: '"No route to host" or "Permission denied"', leadsTo: 'T20' },
      { id: 'reset', label: 'Connected, then reset or closed', leadsTo: 'T30' },
      { id: 'http-error', label: 'An HTTP 502, 503 or 504 error page', leadsTo: 'T31' },
      { id: 'timeout', label: 'Timed out', leadsTo: 'T40' },
      { id: 'probe-works', label: 'It connects from here, but the application still fails', leadsTo: 'T5' },
    ],
    paste: null,
  },
  decide(facts) {
    const results = addressResults(facts);
    const port = facts.target.port;
    const has = (s: AddressResult['status']) => results.filter((r) => r.status === s);
    const anyAttempt = (s: string) => results.filter((r) => r.attempts.some((a) => a.status === s));
    if (results.every((r) => r.status === 'connected')) return next('T5', `Every probe connected: ${addressList(results, port)}.`);
    const mixed = has('mixed');
    if (mixed.length > 0) {
      return next('T50', `Probes to the same address ended differently: ${mixed.map((r) => `${formatAddressPort(r.address.address, port)} (${describeAttempts(r)})`).join('; ')}.`);
    }
    const refused = anyAttempt('refused');
    if (refused.length > 0) return next('T2', `Connection refused by ${addressList(refused, port)}.`);
    const statuses = new Set(results.map((r) => r.status));
    if (statuses.size > 1) return next('T6', `No refusal, but the addresses answer differently: ${results.map((r) => `${r.address.address} ${r.status}`).join(', ')}.`);
    const unreachable = anyAttempt('unreachable');
    if (unreachable.length > 0) {
      const errnos = [...new Set(unreachable.flatMap((r) => r.attempts.map((a) => a.errno ?? a.status)))].join(', ');
      return next('T20', `Not a refusal: ${errnos} from ${addressList(unreachable, port)}.`);
    }
    const reset = anyAttempt('reset');
    if (reset.length > 0) {
      const http = reset.flatMap((r) => r.attempts).find((a) => isHttpError(a.banner));
      if (http) return next('T31', `${formatAddressPort(http.address, port)} answered "${firstLine(http.banner)}" and closed.`);
      return next('T30', `Accepted, then closed or reset by ${addressList(reset, port)}.`);
    }
    return next('T40', `Every attempt to ${addressList(results, port)} timed out without an answer.`);
  },
};

const T2: TreeNode = {
  id: 'T2',
  title: 'Is a proxy or tunnel in the path?',
  why: 'An application behind an HTTP or SOCKS proxy connects to the proxy, not to the target; then the refusal may come from the proxy.',
  checks: ['proxy variables (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY)'],
  branches: ['T3', 'proxy-refusal', 'ssh-tunnel-down'],
  manual: {
    question: 'Do you use a proxy, VPN or SSH tunnel for this?',
    choices: [
      { id: 'proxy', label: 'A proxy: the application connects through it', leadsTo: 'proxy-refusal' },
      { id: 'ssh-tunnel', label: 'An SSH tunnel or port-forward (ssh -L, kubectl port-forward)', leadsTo: 'ssh-tunnel-down' },
      { id: 'direct', label: 'Neither: the application connects directly', leadsTo: 'T3' },
    ],
    paste: null,
  },
  decide(facts) {
    const proxyNote =
      facts.proxy?.proxyForTarget != null
        ? ` Note: ${facts.proxy.variables.map((v) => v.name).join(', ')} ${facts.proxy.variables.length === 1 ? 'is' : 'are'} set; applications that honour it connect through ${facts.proxy.proxyForTarget} instead.`
        : '';
    const reason = `This computer connected directly, without a proxy, and was refused, so the refusal is real at the target.${proxyNote}`;
    // A local port is also where an SSH tunnel (ssh -L, kubectl port-forward) listens: only a person knows one is meant to.
    const local = addressResults(facts).some((r) => r.address.loopback);
    return local ? ask(reason, ['Whether the application connects through an SSH tunnel or port-forward'], next('T3', reason)) : next('T3', reason);
  },
};

const T3: TreeNode = {
  id: 'T3',
  title: 'Is the target this computer?',
  why: 'When the service should run on this very computer, its own listener table can answer the question at once.',
  checks: ["each address against this computer's loopback and interface addresses"],
  branches: ['T4', 'T6'],
  manual: {
    question: 'Is the service running on this same computer?',
    choices: [
      { id: 'this-computer', label: 'Yes, on this computer', leadsTo: 'T4' },
      { id: 'elsewhere', label: 'No, on another machine', leadsTo: 'T6' },
    ],
    paste: null,
  },
  decide(facts) {
    const results = addressResults(facts);
    const local = results.filter((r) => isLocalAddress(r.address));
    if (local.length === results.length) {
      const how = local.map((r) => `${r.address.address} (${r.address.loopback ? 'loopback' : `interface ${r.address.localInterface}`})`).join(', ');
      return next('T4', `Every address is this computer's own: ${how}.`);
    }
    return next('T6', local.length === 0 ? 'No address belongs to this computer: the service runs elsewhere.' : `Only some addresses are this computer's own (${local.map((r) => r.address.address).join(', ')}).`);
  },
};

const T4: TreeNode = {
  id: 'T4',
  title: 'Who listens on the port on this computer?',
  why: "The workstation's own listener table tells whether the service runs at all, and on which address.",
  checks: ["this computer's listener table", 'the per-address probes'],
  branches: ['service-not-running', 'localhost-resolution-mismatch', 'bind-wrong-interface-ip', 'v6only-listener-ipv4-refused', 'client-local-block', 'other-netns-listener'],
  manual: {
    question: 'Is the service running on this computer, and does it work with 127.0.0.1 where "localhost" fails?',
    choices: [
      { id: 'not-running', label: 'It is not running', leadsTo: 'service-not-running' },
      { id: 'other-loopback', label: 'It works with 127.0.0.1 (or ::1) but not with "localhost"', leadsTo: 'localhost-resolution-mismatch' },
      { id: 'in-container-or-vm', label: 'It runs in Docker Desktop, WSL or a VM on this computer', leadsTo: 'other-netns-listener' },
      { id: 'running', label: 'It runs and listens on every address', leadsTo: 'client-local-block' },
    ],
    paste: null,
  },
  decide(facts) {
    const port = facts.target.port;
    const results = addressResults(facts);
    const refused = results.filter((r) => r.status === 'refused');
    const connected = results.filter((r) => r.status === 'connected');
    const listeners = listenersOnPort(facts.localListeners, port);
    const source = facts.localListeners?.source ?? 'the listener table';

    if (refused.length > 0 && connected.length > 0) {
      const onlyOtherFamily = refused.every((r) => !connected.some((c) => c.address.family === r.address.family));
      const seen = listeners && listeners.length > 0 ? ` ${source} shows ${listeners.map(describeListener).join(', ')}.` : '';
      if (onlyOtherFamily) {
        return leaf('localhost-resolution-mismatch', 'high', `${addressList(connected, port)} connects but ${addressList(refused, port)} is refused: the service listens on one loopback family only.${seen}`);
      }
      return leaf('bind-wrong-interface-ip', 'high', `${addressList(connected, port)} connects but ${addressList(refused, port)} is refused.${seen}`);
    }

    if (listeners === null) {
      const why = facts.localListeners?.status === 'unavailable' ? facts.localListeners.reason : 'it was not collected';
      return ask(
        `Every local address refused on every attempt, but this computer's listener table could not be read (${why}).`,
        ["This computer's listener table"],
        leaf('service-not-running', 'medium', `Every local address refused on every attempt; the listener table could not confirm it (${why}).`),
      );
    }
    if (listeners.length === 0) {
      return leaf('service-not-running', 'high', `Nothing listens on port ${port} on this computer (${source}), and ${addressList(refused, port)} refused every attempt.`);
    }
    const covering = listeners.filter((l) => refused.some((r) => listenerCovers(l, r.address)));
    const onlyAssumedDualStack = covering.length > 0 && covering.every((l) => l.address === '::' && l.v6only === null) && refused.every((r) => r.address.family === 4);
    if (onlyAssumedDualStack) {
      // /proc/net/tcp6 shows `::` for a dual-stack and a v6-only socket alike (catalog §2.3); an IPv4
      // refusal beside it is what IPV6_V6ONLY looks like, far likelier than a local block on loopback.
      return leaf('v6only-listener-ipv4-refused', 'medium', `The only listener is ${covering.map(describeListener).join(', ')}, yet ${addressList(refused, port)} is refused: the socket accepts IPv6 only (v6only), which ${source} cannot show.`);
    }
    if (covering.length > 0) {
      return leaf('client-local-block', 'medium', `${describeListener(covering[0]!)} is listening, yet ${addressList(refused, port)} was refused in ${formatMs(medianMs(refused.flatMap((r) => r.attempts)))}: something on this computer rejects it.`);
    }
    const refusedFamilies = new Set(refused.map((r) => r.address.family));
    const loopbackOtherFamily = listeners.every((l) => isLoopbackAddress(l.address) && !refusedFamilies.has(l.family));
    if (loopbackOtherFamily) {
      return leaf('localhost-resolution-mismatch', 'high', `The service listens on ${listeners.map(describeListener).join(', ')} only, but the client connects to ${addressList(refused, port)}.`);
    }
    return leaf('bind-wrong-interface-ip', 'high', `The service listens on ${listeners.map(describeListener).join(', ')}, not on ${addressList(refused, port)}.`);
  },
};

const T5: TreeNode = {
  id: 'T5',
  title: 'The probe works: does the application?',
  why: 'When a plain connection from this computer works, the application must be connecting somewhere else, or another way: another port, another address, through a proxy.',
  checks: ['the per-address probes', 'proxy variables'],
  branches: ['not-reproduced', 'port-mismatch', 'localhost-resolution-mismatch', 'proxy-refusal', 'T55'],
  manual: {
    question: 'Every probe from this computer connects. Does your application still fail? If so, how does it connect?',
    choices: [
      { id: 'works-now', label: 'It works now', leadsTo: 'not-reproduced' },
      { id: 'other-port', label: 'Its configuration names another port', leadsTo: 'port-mismatch' },
      { id: 'localhost', label: 'It connects to "localhost" and fails on ::1 or 127.0.0.1', leadsTo: 'localhost-resolution-mismatch' },
      { id: 'uses-proxy', label: 'It connects through a proxy', leadsTo: 'proxy-refusal' },
      { id: 'other-address', label: 'Its error names another address than the one configured', leadsTo: 'T55' },
    ],
    paste: null,
  },
  decide(facts) {
    const results = addressResults(facts);
    const port = facts.target.port;
    const proxy = facts.proxy?.proxyForTarget;
    if (proxy) {
      return leaf('proxy-refusal', 'medium', `A direct connection to ${addressList(results, port)} works, but ${facts.proxy!.variables.map((v) => v.name).join(', ')} sends applications through ${proxy}: the refusal comes from or through the proxy.`);
    }
    return ask(
      `Every probe connected (${addressList(results, port)}): the service answers from here now.`,
      ["The application's connection settings (host, port, proxy) if it still fails"],
      leaf('not-reproduced', 'high', `Every probe connected: ${addressList(results, port)}.`),
    );
  },
};

const HTTP_ERROR = /^HTTP\/[0-9.]+ 50[234]\b/;
const isHttpError = (banner: string | null | undefined): boolean => HTTP_ERROR.test(banner ?? '');
const firstLine = (text: string | null | undefined): string => (text ?? '').split(/\r?\n/)[0]!.slice(0, 120);

export const clientNodes = { T0, T1, T2, T3, T4, T5 } as const;
