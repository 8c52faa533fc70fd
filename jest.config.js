import { createDefaultEsmPreset } from 'ts-jest';

export const esm = {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.test.json' }),
  // Sources import siblings as './x.ts'; ts-jest rewrites that to './x.js', which must resolve back to the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

/**
 * KUBERNAUT_COVERAGE=1 (.ci/run sets it): V8 coverage of the unit and integration suites together, as `npm test`
 * runs them, gated a few points under what README reports, so a real drop fails CI.
 */
const COVERAGE_GATE = { lines: 95, branches: 87, functions: 95 };
const coverageGate = process.env.KUBERNAUT_COVERAGE === '1'
  ? { collectCoverage: true, coverageDirectory: 'coverage/all', coverageThreshold: { global: COVERAGE_GATE } }
  : {};

/**
 * Unit tests need nothing running; integration tests share one real control plane started by globalSetup. The
 * end-to-end suite on a real node has its own configuration (jest.e2e.config.js), so `npm test` never runs it.
 */
export default {
  projects: [
    {
      ...esm,
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit', '<rootDir>/operators'],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...esm,
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
    },
  ],
  reporters: ['default', ['<rootDir>/test/support/summary-reporter.js', {}]],
  testTimeout: 60_000,
  // Used by `npm run coverage` (one suite at a time, so each suite's coverage is its own). V8's coverage needs no
  // instrumentation, so ESM runs unchanged.
  coverageProvider: 'v8',
  collectCoverageFrom: ['src/**/*.ts', 'operators/**/*.ts', '!**/*.test.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  ...coverageGate,
};
