import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (test/unit, test/architecture) is pure logic and starts no server, so `npm run test:unit` takes
 * seconds; `integration` (everything else) runs against one real PostgreSQL and one HAPI FHIR server started for the
 * whole run. `npm test` runs both (CI).
 */
const UNIT = ['test/unit/**/*.test.ts', 'test/architecture/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          globalSetup: ['test/support/postgres-global-setup.ts', 'test/support/hapi-global-setup.ts'],
        },
      },
    ],
  },
});
