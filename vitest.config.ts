import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'tests/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', 'tests/e2e/**'],
    // Tests start real mediasoup workers and servers; a slow machine must not turn that
    // into a flaky failure. Performance is measured in bench/, not here.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
