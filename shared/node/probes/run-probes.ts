import type { ProbeAttempt, ProbeOptions, ResolvedAddress } from '../../common/schema/probe';
import { probeAddress } from './tcp';

/**
 * `rounds` rounds; in each, every address gets its own socket at the same time (one connection per
 * address, so a slow address cannot hide a fast refusal). Rounds are spaced so that rate-limited
 * ICMP rejects are not mistaken for intermittency. Bounded: rounds x (timeout + grace + spacing).
 */
export async function runProbes(
  addresses: readonly ResolvedAddress[],
  port: number,
  options: ProbeOptions,
  onAttempt: (attempt: ProbeAttempt) => void,
  signal?: AbortSignal,
): Promise<ProbeAttempt[]> {
  const all: ProbeAttempt[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    if (signal?.aborted) break;
    if (round > 1 && options.spacingMs > 0) await sleep(options.spacingMs, signal);
    if (signal?.aborted) break;
    const attempts = await Promise.all(
      addresses.map((a) =>
        probeAddress(a.address, a.family, port, round, options, signal).then((attempt) => {
          if (!signal?.aborted) onAttempt(attempt);
          return attempt;
        }),
      ),
    );
    if (signal?.aborted) break;
    all.push(...attempts);
  }
  return all;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
