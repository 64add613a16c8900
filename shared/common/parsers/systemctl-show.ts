import type { z } from 'zod';
import type { ServiceFacts } from '../schema/remote';
import { err, ok, type Result } from '../result';

/**
 * Parses `systemctl show UNIT... -p A,B,C --no-pager` (catalog §2.1 "Service state", §4.8). Pure: the
 * caller runs the command (LC_ALL=C, SYSTEMD_COLORS=0) and passes stdout, optionally with stderr
 * appended. One block of `Key=Value` lines per unit, blocks separated by a blank line. Values may
 * contain '=' and may be empty. Unknown properties are kept in `properties`; the typed view reads
 * only the ones the diagnosis uses.
 */

export interface SystemctlTimestamps {
  /** Raw, locale-formatted as printed (`Tue 2026-11-24 10:11:12 UTC`); null when empty or absent. */
  execMainStart: string | null;
  execMainExit: string | null;
  activeEnter: string | null;
  activeExit: string | null;
  inactiveEnter: string | null;
  inactiveExit: string | null;
  stateChange: string | null;
}

export type ExecMainCodeName = 'exited' | 'killed' | 'dumped' | 'trapped' | 'stopped' | 'continued';

export interface SystemctlUnit {
  /** Every `Key=Value` of the block as printed; empty values are ''. */
  properties: Record<string, string>;
  /** Typed view; a string field is null when the property is absent or empty. */
  id: string | null;
  loadState: string | null;
  activeState: string | null;
  subState: string | null;
  result: string | null;
  unitFileState: string | null;
  nRestarts: number | null;
  /** 0 when the unit has no main process (as systemd prints it). */
  mainPid: number | null;
  /** Exit status, or the signal number when execMainCode is 'killed' / 'dumped'. */
  execMainStatus: number | null;
  /** The raw si_code systemd prints (1 = CLD_EXITED, 2 = CLD_KILLED, 3 = CLD_DUMPED; 0 = never ran). */
  execMainCode: number | null;
  execMainCodeName: ExecMainCodeName | null;
  timestamps: SystemctlTimestamps;
  fragmentPath: string | null;
  /** LoadState=not-found: systemd knows no such unit (`systemctl show` still prints a block for it). */
  notFound: boolean;
}

export interface SystemctlShow {
  units: SystemctlUnit[];
  /** Unit names from `Unit X.service could not be found.` lines (printed by status/cat, on stderr). */
  missingUnits: string[];
  /** Lines that are neither `Key=Value` nor a known message (counted, never fatal). */
  ignoredLines: number;
}

export interface SystemctlShowError {
  /**
   * no-systemd: PID 1 is not systemd (containers, WSL1, chroots; catalog §4.8) — branch to §2.2.
   * systemctl-error: systemctl printed only an error (`Failed to ...`), e.g. no D-Bus.
   * empty: nothing that looks like `systemctl show` output.
   */
  code: 'no-systemd' | 'systemctl-error' | 'empty';
  message: string;
}

const NO_SYSTEMD = /System has not been booted with systemd as init system \(PID 1\)\. Can't operate\./;
const NOT_FOUND = /^Unit (\S+) could not be found\.$/;
const PROPERTY = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/;
const ERROR_LINE = /^Failed to [^\n]*$/;

const codeNames: Record<number, ExecMainCodeName> = { 1: 'exited', 2: 'killed', 3: 'dumped', 4: 'trapped', 5: 'stopped', 6: 'continued' };

export function parseSystemctlShow(text: string): Result<SystemctlShow, SystemctlShowError> {
  const noSystemd = NO_SYSTEMD.exec(text);
  if (noSystemd) return err({ code: 'no-systemd', message: noSystemd[0] });

  const blocks: Record<string, string>[] = [];
  const missingUnits: string[] = [];
  const errors: string[] = [];
  let ignoredLines = 0;
  let current: Record<string, string> | null = null;

  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') {
      current = null;
      continue;
    }
    const property = PROPERTY.exec(line);
    if (property) {
      if (current === null) {
        current = Object.create(null) as Record<string, string>;
        blocks.push(current);
      }
      const key = property[1]!;
      // A repeated key inside one block is not expected from systemctl; the last one wins.
      current[key] = property[2]!;
      continue;
    }
    const trimmed = line.trim();
    const missing = NOT_FOUND.exec(trimmed);
    if (missing) missingUnits.push(missing[1]!);
    else if (ERROR_LINE.test(trimmed)) errors.push(trimmed);
    else ignoredLines++;
  }

  if (blocks.length === 0 && missingUnits.length === 0) {
    if (errors.length > 0) return err({ code: 'systemctl-error', message: errors.join('\n') });
    return err({ code: 'empty', message: 'No `Key=Value` lines: this is not `systemctl show` output.' });
  }
  return ok({ units: blocks.map(typedUnit), missingUnits, ignoredLines: ignoredLines + errors.length });
}

/** The unit whose Id (or one of its Names) is `name`; `nginx` matches `nginx.service`. */
export function findUnit(show: SystemctlShow, name: string): SystemctlUnit | undefined {
  const wanted = name.includes('.') ? name : `${name}.service`;
  return show.units.find((u) => u.id === wanted || (u.properties.Names ?? '').split(' ').includes(wanted));
}

function typedUnit(properties: Record<string, string>): SystemctlUnit {
  const str = (key: string): string | null => {
    const v = properties[key];
    return v === undefined || v === '' ? null : v;
  };
  const execMainCode = int(properties.ExecMainCode);
  const loadState = str('LoadState');
  return {
    properties: { ...properties },
    id: str('Id'),
    loadState,
    activeState: str('ActiveState'),
    subState: str('SubState'),
    result: str('Result'),
    unitFileState: str('UnitFileState'),
    nRestarts: int(properties.NRestarts),
    mainPid: int(properties.MainPID),
    execMainStatus: int(properties.ExecMainStatus),
    execMainCode,
    execMainCodeName: execMainCode === null ? null : (codeNames[execMainCode] ?? null),
    timestamps: {
      execMainStart: str('ExecMainStartTimestamp'),
      execMainExit: str('ExecMainExitTimestamp'),
      activeEnter: str('ActiveEnterTimestamp'),
      activeExit: str('ActiveExitTimestamp'),
      inactiveEnter: str('InactiveEnterTimestamp'),
      inactiveExit: str('InactiveExitTimestamp'),
      stateChange: str('StateChangeTimestamp'),
    },
    fragmentPath: str('FragmentPath'),
    notFound: loadState === 'not-found',
  };
}

/** A non-negative decimal integer that fits exactly in a double; anything else is null. */
function int(value: string | undefined): number | null {
  if (value === undefined || !/^[0-9]{1,15}$/.test(value)) return null;
  return Number(value);
}

/**
 * `Tue 2026-11-24 10:11:12 UTC` -> milliseconds since the epoch. Only UTC is read: the runner sets
 * TZ=UTC on the server so that systemd prints every timestamp in it. Anything else is null.
 */
export function parseSystemdTimestamp(text: string | null): number | null {
  const m = /^(?:[A-Za-z]{3} )?(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? UTC$/.exec(text?.trim() ?? '');
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * What the decision tree reads about a unit: its state, and the log signatures found since it last
 * started. One builder for the SSH collector and for output a person pasted, so both give equal facts.
 */
export function serviceFactsOf(state: Pick<SystemctlUnit, 'id' | 'loadState' | 'activeState' | 'subState' | 'result' | 'unitFileState' | 'nRestarts'>, fallbackUnit: string, signatures: ServiceFactsShape['signatures']): ServiceFactsShape {
  return {
    unit: state.id ?? fallbackUnit,
    loadState: state.loadState ?? '',
    activeState: state.activeState ?? '',
    subState: state.subState ?? '',
    result: state.result ?? '',
    unitFileState: state.unitFileState ?? '',
    nRestarts: state.nRestarts,
    signatures,
  };
}

type ServiceFactsShape = z.infer<typeof ServiceFacts>;
