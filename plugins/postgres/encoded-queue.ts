import type { EventRow } from '../sdk/index.ts';
import { encodeCopyBatch } from './copy-text.ts';

/** Rows of one batch encoded in COPY text format. */
export interface EncodedChunk {
  chunk: Buffer;
  rows: number;
}

/**
 * Pulls batches and encodes them ahead of the consumer, holding at most about `maxBytes` of
 * encoded data, so encoding the next rows overlaps the database's work on the previous ones
 * while memory stays bounded whatever the size of the window.
 */
export class EncodedChunkQueue {
  private readonly chunks: EncodedChunk[] = [];
  private queuedBytes = 0;
  private finished = false;
  private stopped = false;
  private failure: { error: unknown } | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private readonly producing: Promise<void>;

  constructor(
    batches: AsyncIterable<EventRow[]>,
    private readonly maxBytes: number,
  ) {
    this.producing = this.produce(batches);
  }

  private async produce(batches: AsyncIterable<EventRow[]>): Promise<void> {
    try {
      for await (const batch of batches) {
        if (this.stopped) break;
        const chunk = Buffer.from(encodeCopyBatch(batch), 'utf8');
        this.chunks.push({ chunk, rows: batch.length });
        this.queuedBytes += chunk.length;
        this.wake('consumer');
        // Let socket writes and query results through between batches.
        await new Promise((resolve) => setImmediate(resolve));
        while (this.queuedBytes >= this.maxBytes && !this.stopped) {
          await new Promise<void>((resolve) => (this.wakeProducer = resolve));
        }
        if (this.stopped) break;
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.finished = true;
      this.wake('consumer');
    }
  }

  private wake(who: 'consumer' | 'producer'): void {
    const wake = who === 'consumer' ? this.wakeConsumer : this.wakeProducer;
    if (who === 'consumer') this.wakeConsumer = undefined;
    else this.wakeProducer = undefined;
    wake?.();
  }

  /** The next encoded batch, or undefined when the source is exhausted; rethrows its failure. */
  async next(): Promise<EncodedChunk | undefined> {
    while (this.chunks.length === 0) {
      if (this.failure) throw this.failure.error;
      if (this.finished) return undefined;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
    const next = this.chunks.shift()!;
    this.queuedBytes -= next.chunk.length;
    this.wake('producer');
    return next;
  }

  /** Stops pulling batches and waits until the producer has let go of the source. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake('producer');
    await this.producing;
  }
}
