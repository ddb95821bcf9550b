// Jest runs the TypeScript sources as native ES modules (node --experimental-vm-modules); @swc/jest only strips types.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // *.outage.test.ts kill and restart a Redis of their own: `npm run test:outage`.
  testPathIgnorePatterns: ['/node_modules/', '\\.outage\\.test\\.ts$'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { target: 'es2024', parser: { syntax: 'typescript' } },
        module: { type: 'es6' },
      },
    ],
  },
  // Each test file boots its own app (and PGlite); on a loaded CI machine that alone can take tens of seconds.
  testTimeout: 90_000,
};
