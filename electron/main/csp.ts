/**
 * The Content-Security-Policy sent with every `app://` response. Pure (no Electron) so tests and
 * other code can read the exact string.
 *
 * - `script-src 'self'` / `style-src 'self'`: only bundled files, no inline code and no `eval`.
 *   Svelte's compiled CSS is emitted as files; an inline `<style>` (e.g. from `svelte/transition`)
 *   would be blocked, on purpose.
 * - `img-src 'self' data:`: the only exception, for small inlined images the bundler produces.
 * - `connect-src 'none'`: the page never talks to the network; everything goes through IPC.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
