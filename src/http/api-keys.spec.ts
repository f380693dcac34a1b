import { ApiKeys, bearerKey } from './api-keys';

const ADMIN = 'admin-key-0123456789abcdef';
const SCORING = 'scoring-key-0123456789abcdef';

describe('API keys', () => {
  it('gives each configured key its own scope and no scope to anything else', () => {
    const keys = new ApiKeys([ADMIN], [SCORING]);
    expect(keys.scopeOf(ADMIN)).toBe('admin');
    expect(keys.scopeOf(SCORING)).toBe('scoring');
    expect(keys.scopeOf(`${ADMIN}x`)).toBeNull();
    expect(keys.scopeOf('')).toBeNull();
  });

  it('leaves scoring open and the admin API off when no keys are configured', () => {
    const keys = new ApiKeys([], []);
    expect(keys.adminEnabled).toBe(false);
    expect(keys.scoringOpen).toBe(true);
    expect(new ApiKeys([ADMIN], [SCORING]).scoringOpen).toBe(false);
  });

  it('reads the key from a Bearer authorization header only', () => {
    expect(bearerKey(`Bearer ${ADMIN}`)).toBe(ADMIN);
    expect(bearerKey(`bearer ${ADMIN}`)).toBe(ADMIN);
    expect(bearerKey(`Basic ${ADMIN}`)).toBeNull();
    expect(bearerKey(undefined)).toBeNull();
    expect(bearerKey(['Bearer a', 'Bearer b'])).toBeNull();
  });
});
