/** One jest run for every package and the cross-package tests; TypeScript through ts-jest. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test', '<rootDir>/examples'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  moduleNameMapper: {
    '^@protectimus-mail/(core|admin|express|koa|fastify)$': '<rootDir>/packages/$1/src',
    '^@protectimus-mail/core/adapter$': '<rootDir>/packages/core/src/adapter',
    // Tests run from source, so a fresh clone needs no build first.
    '^@protectimus-mail/example-shared$': '<rootDir>/examples/shared/src',
  },
  // The admin panel's browser files are built, not sources ts-jest could load: build them first.
  globalSetup: '<rootDir>/packages/admin/browser/build.js',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
};
