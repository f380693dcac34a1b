import { once } from './once';

describe('once', () => {
  it('reads on the first call only and gives the same value after', () => {
    let reads = 0;
    const read = once(() => {
      reads += 1;
      return `body ${String(reads)}`;
    });
    expect([read(), read(), read()]).toEqual(['body 1', 'body 1', 'body 1']);
    expect(reads).toBe(1);
  });
});
