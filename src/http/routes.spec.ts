import { allowedMethods, type RegisteredRoute } from './routes';

const routes: RegisteredRoute[] = [
  { method: 'POST', path: '/v1/decisions' },
  { method: 'GET', path: '/v1/decisions/:transactionId' },
  { method: 'GET', path: '/v1/rules' },
  { method: 'POST', path: '/v1/rules/versions' },
  { method: 'GET', path: '/v1/rules/versions/:v' },
  { method: 'POST', path: '/v1/rules/versions/:v/activate' },
  { method: 'DELETE', path: '/v1/overrides/:entity/:id/:action' },
];

describe('allowedMethods', () => {
  it('lists the methods a fixed path takes, HEAD beside GET', () => {
    expect(allowedMethods(routes, '/v1/decisions')).toEqual(['POST']);
    expect(allowedMethods(routes, '/v1/rules')).toEqual(['GET', 'HEAD']);
  });

  it('matches a parameter segment by any non-empty value, but not an empty one', () => {
    expect(allowedMethods(routes, '/v1/decisions/T-1')).toEqual(['GET', 'HEAD']);
    expect(allowedMethods(routes, '/v1/decisions/')).toEqual([]);
    expect(allowedMethods(routes, '/v1/overrides/card/c1/block')).toEqual(['DELETE']);
  });

  it('does not let a parameter stand in for a fixed segment, nor a fixed segment for another', () => {
    expect(allowedMethods(routes, '/v1/rules/versions')).toEqual(['POST']);
    expect(allowedMethods(routes, '/v1/rules/versions/3')).toEqual(['GET', 'HEAD']);
    expect(allowedMethods(routes, '/v1/rules/versions/3/activate')).toEqual(['POST']);
    expect(allowedMethods(routes, '/v1/rules/versions/3/retire')).toEqual([]);
  });

  it('is empty for a path no route has (so it stays a 404)', () => {
    expect(allowedMethods(routes, '/v2/decisions')).toEqual([]);
    expect(allowedMethods(routes, '/')).toEqual([]);
    expect(allowedMethods([], '/v1/decisions')).toEqual([]);
  });
});
