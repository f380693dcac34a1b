import { coalesced } from './follow-redis';

/** A sync whose runs the test finishes one at a time. */
function controlledSync() {
  const pending: (() => void)[] = [];
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const sync = () =>
    new Promise<void>((resolve) => {
      runs += 1;
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      pending.push(() => {
        concurrent -= 1;
        resolve();
      });
    });
  const finishNext = async () => {
    pending.shift()?.();
    // Let the loop start its next run, if any.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { sync, finishNext, stats: () => ({ runs, maxConcurrent, pending: pending.length }) };
}

describe('coalesced', () => {
  it('runs once for one call', async () => {
    const { sync, finishNext, stats } = controlledSync();
    const refresh = coalesced(sync, () => undefined);
    const done = refresh();
    await finishNext();
    await done;
    expect(stats()).toEqual({ runs: 1, maxConcurrent: 1, pending: 0 });
  });

  it('folds every call made during a run into one more run after it, never two at once', async () => {
    const { sync, finishNext, stats } = controlledSync();
    const refresh = coalesced(sync, () => undefined);
    const first = refresh();
    const during = [refresh(), refresh(), refresh()];
    await finishNext();
    // The calls made during the first run are not settled by it: their run is the second.
    expect(stats()).toEqual({ runs: 2, maxConcurrent: 1, pending: 1 });
    await finishNext();
    await Promise.all([first, ...during]);
    expect(stats()).toEqual({ runs: 2, maxConcurrent: 1, pending: 0 });
  });

  it('starts afresh after it settles', async () => {
    const { sync, finishNext, stats } = controlledSync();
    const refresh = coalesced(sync, () => undefined);
    const one = refresh();
    await finishNext();
    await one;
    const two = refresh();
    await finishNext();
    await two;
    expect(stats().runs).toBe(2);
  });

  it('never rejects: what a run throws goes to onError, and the next call runs again', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const refresh = coalesced(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('redis down')) : Promise.resolve();
      },
      (err) => errors.push(err),
    );
    await expect(refresh()).resolves.toBeUndefined();
    await expect(refresh()).resolves.toBeUndefined();
    expect(errors).toEqual([new Error('redis down')]);
    expect(calls).toBe(2);
  });
});
