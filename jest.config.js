/** Unit and integration tests of the node package (test/) and the sidecar (sidecar/test/). */
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/sidecar/test'],
  testMatch: ['**/*.test.ts'],
  // Type-checking is tsc's job in the build; here sources are only transpiled, file by file.
  transform: { '^.+\\.(t|j|mj)s$': tsJest },
  // p-limit, its queue and cookie are ESM-only: compile them to CommonJS like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!(p-limit|yocto-queue|cookie)/)'],
  testTimeout: 60_000,
  // Bundles the code that runs in the isolate and in the browser (sidecar/scripts/bundle.mjs).
  globalSetup: '<rootDir>/sidecar/scripts/jest-bundle.cjs',
  maxWorkers: 2,
};
