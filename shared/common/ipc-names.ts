/**
 * The names of every IPC call and event, without their schemas, so that the sandboxed preload can
 * expose one function per entry without bundling zod. `ipc.ts` checks that it declares exactly these.
 */
export const callNames = [
  'startDiagnosis',
  'cancelDiagnosis',
  'answerPrompt',
  'answerDiagnosis',
  'verifyFix',
  'getAppInfo',
  'listKnownHosts',
  'pinHostKey',
  'repinHostKey',
  'removeHostKey',
  'listProfiles',
  'saveProfile',
  'removeProfile',
  'testProfile',
  'importSshConfig',
  'forgetSecret',
  'getSettings',
  'saveSettings',
  'listHistory',
  'getHistoryReport',
  'clearHistory',
  'exportReport',
  'startFleet',
  'cancelFleet',
] as const;
export const eventNames = ['onDiagnosisEvent', 'onFleetEvent'] as const;

export type CallName = (typeof callNames)[number];
export type EventName = (typeof eventNames)[number];

export const callChannel = (name: CallName): string => `portwise:call:${name}`;
export const eventChannel = (name: EventName): string => `portwise:event:${name}`;
