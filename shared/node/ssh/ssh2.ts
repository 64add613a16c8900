// ssh2's client and key parser, taken from their own files: ssh2's index also loads its server, key
// generation and HTTP agents, and with them Node's http, https and tls modules, which a client
// never uses and a CLI run would load for nothing. (ssh2 is CommonJS: each file's module object is
// taken whole, as Node's ESM loader cannot see all of the named exports.)
import ClientClass from 'ssh2/lib/client.js';
import keyParser from 'ssh2/lib/protocol/keyParser.js';

export const Client = ClientClass;
export const utils = { parseKey: keyParser.parseKey };
export type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, ClientChannel, ParsedKey } from 'ssh2';
export type Client = InstanceType<typeof ClientClass>;
