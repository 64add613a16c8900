import { z } from 'zod';

/** How collecting one piece of evidence ended. A permission error is evidence, not a crash. */
export const EvidenceStatus = z.enum(['ok', 'error', 'timeout', 'needs-privilege', 'unsupported', 'skipped']);
export type EvidenceStatus = z.infer<typeof EvidenceStatus>;
