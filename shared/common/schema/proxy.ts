import { z } from 'zod';

/** Proxy settings that could sit between an application and the target (catalog A7). */
export const ProxySettings = z.object({
  /** Proxy variables found, with any credentials in their URL removed. */
  variables: z.array(z.object({ name: z.string(), value: z.string() })),
  /** The proxy URL an HTTP client would use for this target, or null (none set, or NO_PROXY matched). */
  proxyForTarget: z.string().nullable(),
  /** The NO_PROXY entry that exempts the target, if one does. */
  noProxyMatch: z.string().nullable(),
});
export type ProxySettings = z.infer<typeof ProxySettings>;
