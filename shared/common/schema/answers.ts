import { z } from 'zod';

/** Pasted output is capped: a listener table or a rule set is far smaller; anything bigger is a mistake. */
export const MAX_PASTE_BYTES = 2 * 1024 * 1024;

/**
 * A person's input at one step of the tree: a choice among the step's answers, output pasted from
 * the server (parsed by the same parsers as SSH evidence), or an override of the branch taken, with
 * the reason. Which choices, paste kinds and branches a step allows lives with the node (tree/).
 */
export const NodeAnswer = z
  .object({
    choice: z.string().min(1).max(100).optional(),
    paste: z.string().max(MAX_PASTE_BYTES).optional(),
    override: z.object({ to: z.string().min(1).max(100), reason: z.string().trim().min(1, 'an override needs a reason').max(2000) }).strict().optional(),
  })
  .strict()
  .refine((a) => a.choice !== undefined || a.paste !== undefined || a.override !== undefined, 'give a choice, a paste or an override');
export type NodeAnswer = z.infer<typeof NodeAnswer>;

/** Answers keyed by node id (`T13`), as `portwise diagnose --answers FILE` reads them. */
export const Answers = z.record(z.string(), NodeAnswer);
export type Answers = z.infer<typeof Answers>;
