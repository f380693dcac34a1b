import { DeadlineExceeded, withDeadline } from './deadline';

describe('withDeadline', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('passes the result through when the work finishes first', async () => {
    await expect(withDeadline(Promise.resolve(42), 10)).resolves.toBe(42);
  });

  it('rejects with DeadlineExceeded when the work is still running at the deadline', async () => {
    const never = new Promise<number>(() => undefined);
    const raced = withDeadline(never, 30);
    jest.advanceTimersByTime(30);
    await expect(raced).rejects.toBeInstanceOf(DeadlineExceeded);
  });

  it('passes the work’s own failure through unchanged', async () => {
    await expect(withDeadline(Promise.reject(new Error('redis down')), 10)).rejects.toThrow('redis down');
  });
});
