import base, { esm } from './jest.config.js';

/** `npm run test:e2e`: the chart on a real node (test/e2e), with its own cluster, images and helm; minutes long. */
export default {
  projects: [
    {
      ...esm,
      displayName: 'e2e',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/e2e-global-setup.js',
      globalTeardown: '<rootDir>/test/support/e2e-global-teardown.js',
    },
  ],
  reporters: base.reporters,
  testTimeout: base.testTimeout,
  // One node: the files install cluster-wide objects (releases, ClusterRoles) and measure latency; never two at once.
  maxWorkers: 1,
};
