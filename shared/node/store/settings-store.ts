/**
 * `settings.json` in Portwise's home: the preferences the app and the CLI share. Written like the
 * profiles (atomically, under the file's lock). A damaged file means the defaults, and is moved
 * aside (and named) only when a change is saved; a file from a newer Portwise is read for what this
 * build knows and never written.
 */
import path from 'node:path';
import { z } from 'zod';
import { defaultSettings, Settings, SETTINGS_FILE_SCHEMA, SETTINGS_FILE_VERSION } from '../../common/schema/settings';
import { portwiseHome } from '../paths';
import { exclusive, moveAside, peekJsonFile, writeFileAtomic, type PeekOutcome } from './atomic-file';

export const settingsFilePath = (env: NodeJS.ProcessEnv = process.env): string => path.join(portwiseHome(env), 'settings.json');

const OnDisk = z.object({
  schema: z.literal(SETTINGS_FILE_SCHEMA),
  version: z.number().int().positive(),
  // Loose: a newer build's settings are not an error, only unknown here.
  settings: z.record(z.string(), z.unknown()),
});
type OnDisk = z.infer<typeof OnDisk>;

export interface SettingsRead {
  settings: Settings;
  /** Sentences for the person: a damaged file (kept until a change replaces it), a newer file left alone. */
  notices: string[];
  /** False for a file from a newer Portwise: this build does not write it. */
  writable: boolean;
}

/** The settings as they are now. Reading changes nothing; a missing, damaged or newer file never throws. */
export async function readSettings(env: NodeJS.ProcessEnv = process.env): Promise<SettingsRead> {
  const file = settingsFilePath(env);
  const raw = await peekJsonFile(file, OnDisk).catch((error: unknown): PeekOutcome<OnDisk> => ({ status: 'damaged', problem: `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})` }));
  if (raw.status === 'missing') return { settings: defaultSettings(), notices: [], writable: true };
  if (raw.status === 'damaged') return { settings: defaultSettings(), notices: [`${file} is damaged (${raw.problem}): the default settings apply. Saving a setting moves it aside, under a name that is shown.`], writable: true };
  const newer = raw.value.version > SETTINGS_FILE_VERSION;
  const notices = newer ? [`${file} comes from a newer Portwise (version ${raw.value.version}): it is read, not changed.`] : [];
  return { settings: knownSettings(raw.value.settings), notices, writable: !newer };
}

/** Each known setting is taken if it is valid; an unknown or broken one falls back to its default. */
function knownSettings(stored: Record<string, unknown>): Settings {
  const known = Object.entries(Settings.shape).flatMap(([key, field]) => {
    const parsed = field.safeParse(stored[key]);
    return parsed.success ? [[key, parsed.data] as const] : [];
  });
  return Settings.parse(Object.fromEntries(known));
}

export type SettingsSaveResult = { ok: true; settings: Settings; notices: string[] } | { ok: false; message: string };

/** Changes some settings and keeps the rest (a newer build's own keys included). A damaged file is moved aside first. */
export function saveSettings(patch: Partial<Settings>, env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): Promise<SettingsSaveResult> {
  const file = settingsFilePath(env);
  return exclusive(file, async (): Promise<SettingsSaveResult> => {
    const raw = await peekJsonFile(file, OnDisk);
    if (raw.status === 'ok' && raw.value.version > SETTINGS_FILE_VERSION) {
      return { ok: false, message: `${file} comes from a newer Portwise (version ${raw.value.version}): update Portwise to change the settings.` };
    }
    const notices: string[] = [];
    if (raw.status === 'damaged') {
      const moved = await moveAside(file, raw.problem, now());
      notices.push(`${file} was damaged (${raw.problem}); it was moved to ${moved.movedTo}, and the settings were saved anew.`);
    }
    const kept = raw.status === 'ok' ? raw.value.settings : {};
    const settings = Settings.parse({ ...knownSettings(kept), ...patch });
    const doc = { schema: SETTINGS_FILE_SCHEMA, version: SETTINGS_FILE_VERSION, settings: { ...kept, ...settings } };
    await writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
    return { ok: true, settings, notices };
  });
}
