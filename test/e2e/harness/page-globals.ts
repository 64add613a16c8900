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
