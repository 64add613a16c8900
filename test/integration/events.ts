import type { DiagnosisEvent } from '../../shared/common/schema/events';

/** The first event that matches, as the handler table emitted it; polls the array until `timeoutMs`. */
export async function waitForEvent(emitted: readonly DiagnosisEvent[], match: (e: DiagnosisEvent) => boolean, timeoutMs = 20_000): Promise<DiagnosisEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = emitted.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching event in ${timeoutMs} ms; got ${emitted.map((e) => e.type).join(', ') || 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
