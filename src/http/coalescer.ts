/**
 * Gathers calls made in the same event-loop turn into one batch: under load, the requests
 * Fastify parsed together share one Redis round trip; alone, a request waits for nothing
 * more than a setImmediate. `maxBatch` bounds the batch, and so the tail latency it adds.
 */
export class Coalescer<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.run(batch.map((p) => p.item)).then(
      (outputs) => {
        batch.forEach((p, i) => {
          const out = outputs[i];
          if (out === undefined) p.reject(new Error('batch returned fewer results than items'));
          else p.resolve(out);
        });
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }
}
