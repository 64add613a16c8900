/** What a screen's last action (save, remove, clear, write) came to, in one sentence. */
export interface ActionOutcome {
  ok: boolean;
  message: string;
}
