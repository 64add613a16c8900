/** Set at build time from package.json; the fallback serves tests that run the sources directly. */
declare const __PORTWISE_VERSION__: string | undefined;

export const VERSION: string = typeof __PORTWISE_VERSION__ === 'string' ? __PORTWISE_VERSION__ : '0.0.0-dev';
