// The two files of ssh2 that ssh2.ts takes, typed as @types/ssh2 types them through ssh2's index.
declare module 'ssh2/lib/client.js' {
  import type { Client } from 'ssh2';
  const ClientClass: typeof Client;
  export default ClientClass;
}

declare module 'ssh2/lib/protocol/keyParser.js' {
  import type { utils } from 'ssh2';
  const keyParser: { parseKey: typeof utils.parseKey };
  export default keyParser;
}
