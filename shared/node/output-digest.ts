import { createHash, type Hash } from 'node:crypto';
import type { Evidence, Report } from '../common/schema/report';

/**
 * What a report says of a command's whole output: its sha256 and its size. The evidence keeps only a
 * capped copy of the text; the digest covers every byte, so a reader can check a full copy against it.
 */
export interface OutputDigest {
  rawSha256: string;
  rawBytes: number;
}

/** The digest of an output held whole (a lookup's text, a file read, a pasted answer). */
export function digestOf(text: string): OutputDigest {
  const bytes = Buffer.from(text, 'utf8');
  return { rawSha256: createHash('sha256').update(bytes).digest('hex'), rawBytes: bytes.length };
}

/**
 * Evidence whose raw text is the whole output (a lookup, a pasted answer) gets its digest here; the
 * checks that cap what they keep bring the digest of everything they read, and keep it.
 */
export function withRawDigest(evidence: Evidence): Evidence {
  if (evidence.raw === null || evidence.rawSha256 !== undefined) return evidence;
  return { ...evidence, ...digestOf(evidence.raw) };
}

/** The report with every whole raw output digested (a re-walk adds pasted evidence without one). */
export function withRawDigests(report: Report): Report {
  return { ...report, evidence: report.evidence.map(withRawDigest) };
}

/** Collects a stream up to a cap, and notes when it drops anything. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * The digest of the command's own output inside a framed stream (runner.ts's wrapCommand: login
 * noise, then `BEGIN`, the output, `END code`), fed chunk by chunk as the stream arrives, past any
 * cap. It must be streamed: once the capped copy is cut, the tail it dropped is gone. Only a few
 * bytes are held back, so that an end marker split across two chunks is not hashed.
 */
export class FramedDigest {
  private readonly hash: Hash = createHash('sha256');
  private state: 'before' | 'inside' | 'after' = 'before';
  /** Unsearched bytes: the end of the preamble, or the last bytes of the output (maybe a marker's start). */
  private pending: Buffer = Buffer.alloc(0);
  private bytes = 0;

  constructor(
    private readonly begin: Buffer,
    private readonly end: Buffer,
  ) {}

  push(chunk: Buffer): void {
    if (this.state === 'after' || chunk.length === 0) return;
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    if (this.state === 'before') {
      const at = data.indexOf(this.begin);
      if (at < 0) {
        this.pending = Buffer.from(data.subarray(Math.max(0, data.length - (this.begin.length - 1))));
        return;
      }
      this.state = 'inside';
      data = data.subarray(at + this.begin.length);
    }
    const at = data.indexOf(this.end);
    if (at >= 0) {
      this.take(data.subarray(0, at));
      this.state = 'after';
      this.pending = Buffer.alloc(0);
      return;
    }
    const keep = Math.min(data.length, this.end.length - 1);
    this.take(data.subarray(0, data.length - keep));
    this.pending = Buffer.from(data.subarray(data.length - keep));
  }

  /** The digest of the output seen; null when the frame never began (the wrapper did not run). */
  result(): OutputDigest | null {
    if (this.state === 'before') return null;
    // A stream cut before its end marker (a deadline): what was held back was output after all.
    if (this.state === 'inside') {
      this.take(this.pending);
      this.pending = Buffer.alloc(0);
      this.state = 'after';
    }
    return { rawSha256: this.hash.copy().digest('hex'), rawBytes: this.bytes };
  }

  private take(part: Buffer): void {
    if (part.length === 0) return;
    this.hash.update(part);
    this.bytes += part.length;
  }
}
