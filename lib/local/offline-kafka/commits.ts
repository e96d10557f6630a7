/**
 * The committed offsets of one mapping's topic. Commits run behind the invocations, in order and
 * coalesced across partitions (one OffsetCommit for every partition that moved): the next batch is
 * invoked while the previous one's offsets are being committed. An offset is only ever asked for
 * after its records were processed or sent to the on-failure destination; a crash before the
 * commit lands means those records come again (at-least-once).
 */
import { asError } from '../../errors';
export type CommitOffsets = (partitions: { partition: number; offset: string }[]) => Promise<void>;

export class OffsetCommitter {
  /** Next offset to commit per partition (the Kafka convention: last processed + 1). */
  private readonly wanted = new Map<number, number>();
  private readonly done = new Map<number, number>();
  private flushing?: Promise<boolean>;

  constructor(
    private readonly send: () => CommitOffsets | undefined,
    private readonly onError: (partitions: number[], error: Error) => void,
  ) {}

  /** Asks for `nextOffset` to be committed for `partition` (never moves backwards). */
  commit(partition: number, nextOffset: number): void {
    if (nextOffset > (this.wanted.get(partition) ?? -1)) this.wanted.set(partition, nextOffset);
    void this.start();
  }

  /** Waits until everything asked for `partition` is committed; false if a commit failed. */
  async settle(partition: number): Promise<boolean> {
    while ((this.done.get(partition) ?? -1) < (this.wanted.get(partition) ?? -1)) {
      if (!(await this.start())) return false;
    }
    return true;
  }

  private start(): Promise<boolean> {
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flush(): Promise<boolean> {
    for (;;) {
      const due = [...this.wanted].filter(([partition, offset]) => (this.done.get(partition) ?? -1) < offset);
      const send = this.send();
      if (due.length === 0 || !send) return due.length === 0;
      try {
        await send(due.map(([partition, offset]) => ({ partition, offset: String(offset) })));
      } catch (error) {
        // Not retried: the partition's next commit carries a higher offset, and a rebalance or a
        // restart fetches from the committed one again.
        for (const [partition] of due) this.wanted.set(partition, this.done.get(partition) ?? -1);
        this.onError(
          due.map(([partition]) => partition),
          asError(error),
        );
        return false;
      }
      for (const [partition, offset] of due) if (offset > (this.done.get(partition) ?? -1)) this.done.set(partition, offset);
    }
  }
}
