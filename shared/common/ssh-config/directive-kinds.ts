/**
 * What Portwise does with each ssh_config keyword. Three answers, so an import can say plainly what
 * it left behind: `mapped` becomes part of a profile; `ignored` changes nothing about where and as
 * whom Portwise logs in, or what a diagnosis finds; `unsupported` would, so the user is told.
 */

export type DirectiveUse = 'mapped' | 'ignored' | 'unsupported';

const MAPPED = new Set([
  'hostname',
  'user',
  'port',
  'identityfile',
  'proxyjump',
  'userknownhostsfile',
  'globalknownhostsfile',
  // These four, with IdentityFile, decide the profile's login method.
  'identitiesonly',
  'identityagent',
  'preferredauthentications',
  'pubkeyauthentication',
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'challengeresponseauthentication',
]);

const IGNORED = new Set([
  'addkeystoagent',
  'batchmode',
  'channeltimeout',
  'checkhostip',
  'clearallforwardings',
  'compression',
  'connectionattempts',
  'connecttimeout',
  'controlmaster',
  'controlpath',
  'controlpersist',
  'enableescapecommandline',
  'escapechar',
  'exitonforwardfailure',
  'fingerprinthash',
  'forkafterauthentication',
  'forwardagent',
  'forwardx11',
  'forwardx11timeout',
  'forwardx11trusted',
  'gatewayports',
  'gssapidelegatecredentials',
  'hashknownhosts',
  'ignoreunknown',
  'ipqos',
  'kbdinteractivedevices',
  'localcommand',
  'loglevel',
  'logverbose',
  'nohostauthenticationforlocalhost',
  'numberofpasswordprompts',
  'obscurekeystroketiming',
  'permitlocalcommand',
  'protocol',
  'rekeylimit',
  'remotecommand',
  'requesttty',
  'requiredrsasize',
  'sendenv',
  'serveralivecountmax',
  'serveraliveinterval',
  'sessiontype',
  'setenv',
  'stdinnull',
  'streamlocalbindmask',
  'streamlocalbindunlink',
  'syslogfacility',
  'tag',
  'tcpkeepalive',
  'updatehostkeys',
  'usekeychain',
  'useprivilegedport',
  'verifyhostkeydns',
  'visualhostkey',
  'warnweakcrypto',
  'xauthlocation',
]);

const ALGORITHMS = 'algorithm lists are not applied: Portwise offers its SSH library\'s defaults, so a server that needs an old algorithm may refuse it';
const CANONICAL = 'host names are not canonicalised: Portwise connects to HostName as written';

/** Why each known unsupported keyword matters, in a phrase the preview shows as is. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  proxycommand: 'Portwise does not run proxy commands; it connects directly or through ProxyJump hosts (for "ssh -W %h:%p HOST", write "ProxyJump HOST")',
  proxyusefdpass: 'Portwise does not run proxy commands',
  localforward: 'port forwarding is not set up: Portwise only runs its diagnosis commands',
  remoteforward: 'port forwarding is not set up: Portwise only runs its diagnosis commands',
  dynamicforward: 'port forwarding is not set up: Portwise only runs its diagnosis commands',
  certificatefile: 'SSH certificates are not offered: Portwise logs in with the key itself',
  hostkeyalias: 'host keys are looked up under the real host name, not the alias',
  stricthostkeychecking: 'Portwise always checks host keys, and asks before trusting a new one',
  knownhostscommand: 'known-hosts commands are not run',
  revokedhostkeys: 'revoked-key lists are not read',
  addressfamily: 'Portwise tries every address the name resolves to',
  bindaddress: 'Portwise connects from the default source address',
  bindinterface: 'Portwise connects from the default source address',
  canonicalizehostname: CANONICAL,
  canonicaldomains: CANONICAL,
  canonicalizefallbacklocal: CANONICAL,
  canonicalizemaxdots: CANONICAL,
  canonicalizepermittedcnames: CANONICAL,
  ciphers: ALGORITHMS,
  macs: ALGORITHMS,
  kexalgorithms: ALGORITHMS,
  hostkeyalgorithms: ALGORITHMS,
  pubkeyacceptedalgorithms: ALGORITHMS,
  pubkeyacceptedkeytypes: ALGORITHMS,
  casignaturealgorithms: ALGORITHMS,
  hostbasedacceptedalgorithms: ALGORITHMS,
  hostbasedkeytypes: ALGORITHMS,
  hostbasedauthentication: 'host-based login is not supported',
  gssapiauthentication: 'Kerberos (GSSAPI) login is not supported',
  pkcs11provider: 'hardware keys (PKCS#11) are not supported',
  securitykeyprovider: 'FIDO security-key providers are not supported',
};

export function directiveUse(keyword: string): DirectiveUse {
  if (MAPPED.has(keyword)) return 'mapped';
  if (IGNORED.has(keyword)) return 'ignored';
  return 'unsupported';
}

export function unsupportedReason(keyword: string): string {
  return UNSUPPORTED[keyword] ?? 'not a keyword Portwise knows (a newer OpenSSH option, or a typo ssh would reject)';
}

export const IGNORED_REASON = 'no effect on a diagnosis';

/** Keywords ssh accumulates (every applicable line counts); for all others the first value wins. */
const CUMULATIVE = new Set(['identityfile', 'certificatefile', 'localforward', 'remoteforward', 'dynamicforward', 'sendenv', 'setenv']);

/**
 * The option a keyword sets in ssh, for first-value-wins. ProxyJump and ProxyCommand are one
 * option (whichever comes first wins); the others are old spellings of the same option.
 */
const SLOT: Readonly<Record<string, string>> = {
  proxyjump: 'proxy',
  proxycommand: 'proxy',
  challengeresponseauthentication: 'kbdinteractiveauthentication',
  pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms',
  hostbasedkeytypes: 'hostbasedacceptedalgorithms',
};

/** null for cumulative keywords; otherwise the slot whose first value wins. */
export const optionSlot = (keyword: string): string | null => (CUMULATIVE.has(keyword) ? null : (SLOT[keyword] ?? keyword));
