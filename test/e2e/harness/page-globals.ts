import type { PortwiseApi } from '../../../shared/common/ipc';

/**
 * The few page globals that in-page callbacks (`page.evaluate`) use. The node tsconfig has no DOM
 * library on purpose, so these are declared here and reached with `globalThis as unknown as InPage`
 * inside the callback (a cast, erased before the function is sent to the page).
 */
export interface InPage {
  portwise?: PortwiseApi;
  document: {
    activeElement: unknown;
    getElementById(id: string): { textContent: string | null } | null;
  };
}

/** One layout shift as Chromium's Layout Instability API reports it, with what moved. */
export interface LayoutShift {
  value: number;
  hadRecentInput: boolean;
  moved: string[];
}

/** The page's layout shifts so far (the observer is buffered: it sees shifts from before it was made). */
export interface LayoutShiftPage {
  PerformanceObserver: new (callback: (list: { getEntries(): ShiftEntry[] }) => void) => { observe(options: { type: string; buffered: boolean }): void; disconnect(): void };
  setTimeout(callback: () => void, ms: number): unknown;
}

interface ShiftEntry {
  value: number;
  hadRecentInput: boolean;
  sources?: { node?: { nodeName: string; className?: unknown; textContent: string | null } | null }[];
}
