// One runner, three projects: unit specs live next to the code, integration and e2e
// tests under test/ and talk to the real Redis and Kafka started by test/stack.global-setup.ts.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2023',
      },
      module: { type: 'commonjs' },
    },
  ],
};
const common = {
  transform,
  testEnvironment: '<rootDir>/test/support/node-environment.cjs',
  setupFilesAfterEnv: ['<rootDir>/test/support/service-log.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  // kafkajs's producer send, corrected (src/stream/send-messages.ts); only kafkajs asks for this name.
  moduleNameMapper: { '^\\./sendMessages$': '<rootDir>/test/support/kafkajs-send-messages.cjs' },
};

/** @type {import('jest').Config} */
module.exports = {
  // Hooks (app start and close, topic creation) share the test timeout; unit tests finish in ms.
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/src', '<rootDir>/scripts', '<rootDir>/models', '<rootDir>/load-tests'], testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/stack.global-setup.ts',
      globalTeardown: '<rootDir>/test/stack.global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/stack.global-setup.ts',
      globalTeardown: '<rootDir>/test/stack.global-teardown.ts',
    },
  ],
};
