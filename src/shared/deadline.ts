export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`deadline of ${ms} ms exceeded`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * Settles with `work` or rejects with DeadlineExceeded after `ms`, whichever comes first.
 * The work itself is not cancelled (a Redis write in flight still lands); the caller just
 * stops waiting for it.
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        reject(new DeadlineExceeded(ms));
      },
      Math.max(0, ms),
    );
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
