import { createHash, type Hash } from 'node:crypto';
import type { Evidence, Report } from '../common/schema/report';
import { MarkerStream } from './remote/marker-stream';

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
 * bytes are held back (MarkerStream), so that a marker split across two chunks is not hashed.
 */
export class FramedDigest {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  /** Until the begin marker: the last bytes seen, which may be its start. Null once inside the frame. */
  private preamble: Buffer | null = Buffer.alloc(0);
  private readonly output: MarkerStream;

  constructor(
    private readonly begin: Buffer,
    end: Buffer,
  ) {
    this.output = new MarkerStream(end, (part) => {
      this.hash.update(part);
      this.bytes += part.length;
    });
  }

  push(chunk: Buffer): void {
    if (this.preamble === null) return this.output.push(chunk);
    const data = this.preamble.length > 0 ? Buffer.concat([this.preamble, chunk]) : chunk;
    const at = data.indexOf(this.begin);
    if (at < 0) {
      this.preamble = Buffer.from(data.subarray(Math.max(0, data.length - (this.begin.length - 1))));
      return;
    }
    this.preamble = null;
    this.output.push(data.subarray(at + this.begin.length));
  }

  /** The digest of the output seen; null when the frame never began (the wrapper did not run). */
  result(): OutputDigest | null {
    if (this.preamble !== null) return null;
    // A stream cut before its end marker (a deadline): what was held back was output after all.
    this.output.flush();
    return { rawSha256: this.hash.copy().digest('hex'), rawBytes: this.bytes };
  }
}

