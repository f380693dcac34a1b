import { cookieValue, csrfMatches, sessionCookie } from './session.store';

describe('console sessions', () => {
  it('reads its cookie among others, and nothing from a cookie that only ends like it', () => {
    expect(cookieValue('a=1; fd_session=tok-en; b=2', 'fd_session')).toBe('tok-en');
    expect(cookieValue('xfd_session=1', 'fd_session')).toBeUndefined();
    expect(cookieValue(undefined, 'fd_session')).toBeUndefined();
  });

  it('sets the cookie HttpOnly and SameSite=Strict, Secure only over TLS', () => {
    expect(sessionCookie('t', 60, false)).toBe('fd_session=t; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(sessionCookie('t', 60, true)).toBe('fd_session=t; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
  });

  it("accepts only the session's own CSRF token", () => {
    const session = { analyst: 'ana', csrf: 'secret-token', expiresAt: '2026-12-03T20:00:00.000Z' };
    expect(csrfMatches(session, 'secret-token')).toBe(true);
    expect(csrfMatches(session, 'secret-tokeN')).toBe(false);
    expect(csrfMatches(session, '')).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
  });
});
