/**
 * Watches a byte stream for an end marker (a line made of a random nonce) and passes on every byte
 * before it. Only a marker's length is held back at a time, so a marker split across chunks is still
 * found and nothing of it leaks into the output, whatever the output's size.
 */
export class MarkerStream {
  private pending: Buffer = Buffer.alloc(0);
  /** The text after the marker on its line (an exit code), once the whole line arrived. */
  private found: string | null = null;

  /**
   * @param marker the marker's start, e.g. `\n@@pw-done-<nonce>`; the rest of its line follows it.
   * @param maxTail how long the rest of the line may be: a longer one is not a marker.
   */
  constructor(
    private readonly marker: Buffer,
    private readonly onData: (chunk: Buffer) => void,
    private readonly maxTail = 16,
  ) {}

  get done(): boolean {
    return this.found !== null;
  }

  /** The rest of the marker's line (without its newline), or null while it has not arrived. */
  get tail(): string | null {
    return this.found;
  }

  push(chunk: Buffer): void {
    if (this.found !== null || chunk.length === 0) return;
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let from = 0;
    for (;;) {
      const at = data.indexOf(this.marker, from);
      if (at < 0) break;
      const lineStart = at + this.marker.length;
      const newline = data.indexOf(0x0a, lineStart);
      if (newline < 0) {
        if (data.length - lineStart > this.maxTail) {
          // Too long to be our line: output that only looks like the marker's start.
          from = at + 1;
          continue;
        }
        // The marker's line is not complete yet: keep it, pass on what came before it.
        this.emit(data.subarray(0, at));
        this.pending = Buffer.from(data.subarray(at));
        return;
      }
      if (newline - lineStart <= this.maxTail) {
        this.emit(data.subarray(0, at));
        this.found = data.subarray(lineStart, newline).toString('latin1');
        this.pending = Buffer.alloc(0);
        return;
      }
      from = at + 1;
    }
    // No marker: all but the last bytes, which may be the start of one, are output.
    const keep = Math.min(data.length, this.marker.length - 1);
    this.emit(data.subarray(0, data.length - keep));
    this.pending = Buffer.from(data.subarray(data.length - keep));
  }

  /**
   * What was held back when the stream ends without its marker's whole line (the shell died, a
   * deadline cut it): output, up to the marker itself if that much arrived.
   */
  flush(): void {
    if (this.found === null && this.pending.length > 0) {
      const at = this.pending.indexOf(this.marker);
      this.emit(at >= 0 ? this.pending.subarray(0, at) : this.pending);
    }
    this.pending = Buffer.alloc(0);
  }

  private emit(part: Buffer): void {
    if (part.length > 0) this.onData(part);
  }
}
