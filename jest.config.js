/** Unit and integration tests of the node package (test/) and the sidecar (sidecar/test/). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/sidecar/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }],
  },
  // p-limit and its queue are ESM-only: compile them to CommonJS for Jest like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!(p-limit|yocto-queue|cookie)/)'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
