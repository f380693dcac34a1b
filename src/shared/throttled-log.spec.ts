import { LogThrottle } from './throttled-log';

describe('LogThrottle', () => {
  it('lets the first message of a key through, holds back repeats, and reports how many it held', () => {
    const throttle = new LogThrottle(1000);
    expect(throttle.admit('redis', 'down', 0)).toBe('down');
    expect(throttle.admit('redis', 'down', 10)).toBeNull();
    expect(throttle.admit('redis', 'down', 20)).toBeNull();
    expect(throttle.admit('other', 'x', 30)).toBe('x');
    expect(throttle.admit('redis', 'down', 1000)).toBe('down (2 similar suppressed)');
  });
});
