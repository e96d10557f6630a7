/**
 * How many requests of one HTTP function the local gateway lets run at once.
 *
 * serverless-offline starts a new instance (a worker thread that loads the bundle and opens its
 * own Kafka and Redis connections: a cold start) for every request that arrives while the others
 * are busy, without bound. On AWS that is concurrency scaling across machines; on a 2-core laptop,
 * 32 concurrent checkouts became 32 worker threads cold-starting at once and the gateway fell from
 * 60 to 33 requests/s with p50 going from 17 ms to 478 ms (bench/end-to-end.ts, issue 14). Capped,
 * requests queue for an instance that is already warm, as they would on a function with reserved
 * concurrency behind a queue. A function's own `reservedConcurrency` lowers the cap further.
 *
 * @example
 * const limit = new ConcurrencyLimit(4);
 * const release = await limit.acquire(); // waits while 4 are running
 * try { await fetch('http://127.0.0.1:3000/health'); } finally { release(); }
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`concurrency must be at least 1, not ${max}`);
  }

  /** Resolves once a slot is free, with the function that frees it (calling it again does nothing). */
  async acquire(): Promise<() => void> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter: `running` stays as it is.
      if (next) next();
      else this.running--;
    };
  }

  /** Requests running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
