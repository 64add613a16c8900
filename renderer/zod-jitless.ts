import { config } from 'zod';

// The page's CSP has no 'unsafe-eval', so zod's compiled fast path (code made with `new Function`)
// can never run here. Said up front, zod skips its probe for it, a `new Function` that Chromium
// refuses and reports as a CSP violation while the page is in use. zod reads the setting when a
// schema is made: later-screens.ts imports this first, before any module that makes one.
config({ jitless: true });
