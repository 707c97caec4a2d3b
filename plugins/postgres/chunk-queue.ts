import type { CopyTextChunk } from '@tributary/destination-sdk';

/**
 * Pulls COPY text chunks ahead of the consumer (reading or encoding them), holding at most about
 * `maxBytes`, so producing the next rows overlaps the database's work on the previous ones while
 * memory stays bounded whatever the size of the window.
 */
export class CopyChunkQueue {
  private readonly chunks: CopyTextChunk[] = [];
  private queuedBytes = 0;
  private finished = false;
  private stopped = false;
  private failure: { error: unknown } | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private readonly producing: Promise<void>;

  private readonly maxBytes: number;
  constructor(source: AsyncIterable<CopyTextChunk>, maxBytes: number) {
    this.maxBytes = maxBytes;
    this.producing = this.produce(source);
  }

  private async produce(source: AsyncIterable<CopyTextChunk>): Promise<void> {
    try {
      for await (const chunk of source) {
        if (this.stopped) break;
        if (chunk.rows === 0) continue;
        this.chunks.push(chunk);
        this.queuedBytes += chunk.text.length;
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

  /** The next chunk, or undefined when the source is exhausted; rethrows its failure. */
  async next(): Promise<CopyTextChunk | undefined> {
    while (this.chunks.length === 0) {
      if (this.failure) throw this.failure.error;
      if (this.finished) return undefined;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
    const next = this.chunks.shift()!;
    this.queuedBytes -= next.text.length;
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
