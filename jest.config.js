/**
 * Two tiers, one config:
 * - `unit`: `*.unit.test.ts`, pure code on AWS-shaped fixtures. No broker, no Redis, no child
 *   process: `npm run test:unit` runs them in seconds and starts no JVM.
 * - `integration`: every other `*.test.ts`, against a real Kafka broker (started once in its
 *   globalSetup, after the prerequisites check) and a real Redis.
 * `npm test` runs both, suites in a seeded shuffled order (test/support/sequencer.js).
 */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // middy is ESM-only: let swc turn it into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
};

module.exports = {
  testSequencer: '<rootDir>/test/support/sequencer.js',
  reporters: ['default', '<rootDir>/test/support/slowest-reporter.js'],
  testTimeout: 60000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.unit\\.test\\.ts$'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
