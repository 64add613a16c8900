// ssh2 is CommonJS; Node's ESM loader cannot see all of its named exports (`utils` among them), so
// the built CLI takes the module object and the sources import from here.
import ssh2 from 'ssh2';

export const { Client, utils } = ssh2;
export type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, ClientChannel, ParsedKey } from 'ssh2';
export type Client = InstanceType<typeof ssh2.Client>;
