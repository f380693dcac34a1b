import { stopPrivateStack } from '../scripts/stack/stack';

export default async function globalTeardown(): Promise<void> {
  const shared = globalThis.__FRAUD_TEST_STACK__;
  if (shared === undefined) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  globalThis.__FRAUD_TEST_STACK__ = undefined;
  await stopPrivateStack(shared.stack);
}
