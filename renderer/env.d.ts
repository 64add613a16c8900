/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { PortwiseApi } from '../shared/common/ipc';

declare global {
  interface Window {
    /**
     * The only door to the main process, exposed by the preload (or the e2e bridge). Optional on
     * purpose: opened outside Portwise (a plain browser), the page has no API and says so.
     */
    readonly portwise?: PortwiseApi;
  }
}

export {};
