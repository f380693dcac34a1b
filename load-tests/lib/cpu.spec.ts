import { createServer, type Server } from 'node:net';
import { listeningPid } from './cpu';

/** The bench finds a reused stack's broker by its port, to measure the broker's CPU. */
describe('listeningPid', () => {
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    port = address.port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  it('names the process listening on a port', () => {
    expect(listeningPid(port)).toBe(process.pid);
  });

  it('is null for a port nobody listens on', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const address = other.address();
    await new Promise<void>((resolve) =>
      other.close(() => {
        resolve();
      }),
    );
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    expect(listeningPid(address.port)).toBeNull();
  });
});
