// Reading Retool's pages while the database writes the ones before. Backfill alternated the two,
// so a run took the API's time plus the database's. With the API read ahead, each database
// statement takes every page that arrived while the one before it ran: one page when the
// database keeps up, several when Retool delivers faster, so the database never sets the pace.

/**
 * Reads `source` ahead of its consumer, holding at most `max` items. take() waits for at least one
 * and hands over all that are held (at most `max`). An error of the source comes after the items
 * read before it, so what was fetched is still used.
 */
export class ReadAhead<T> {
  private readonly held: T[] = [];
  private ended = false;
  private failed: { error: unknown } | undefined;
  private closed = false;
  private wakeTaker: (() => void) | undefined;
  private wakeReader: (() => void) | undefined;

  constructor(
    source: AsyncIterable<T>,
    private readonly max: number,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`ReadAhead holds at least one item, not ${max}`);
    void this.read(source);
  }

  private async read(source: AsyncIterable<T>): Promise<void> {
    try {
      for await (const item of source) {
        this.held.push(item);
        this.wake("taker");
        while (this.held.length >= this.max && !this.closed) await new Promise<void>((r) => (this.wakeReader = r));
        if (this.closed) break; // leaving the loop ends the source (its return() runs)
      }
    } catch (error) {
      this.failed = { error };
    } finally {
      this.ended = true;
      this.wake("taker");
    }
  }

  private wake(who: "taker" | "reader"): void {
    const w = who === "taker" ? this.wakeTaker : this.wakeReader;
    if (who === "taker") this.wakeTaker = undefined;
    else this.wakeReader = undefined;
    w?.();
  }

  /** Every item read so far (at least one, at most max), or undefined once the source is done. */
  async take(): Promise<T[] | undefined> {
    while (!this.held.length && !this.ended) await new Promise<void>((r) => (this.wakeTaker = r));
    if (this.held.length) {
      const items = this.held.splice(0, this.max);
      this.wake("reader");
      return items;
    }
    if (this.failed) throw this.failed.error;
    return undefined;
  }

  /** Stops reading: the source is ended at its next item, and what is held is dropped. */
  close(): void {
    this.closed = true;
    this.held.length = 0;
    this.wake("reader");
  }
}
