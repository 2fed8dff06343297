import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'sim/test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time even on a 2-core machine (the default would be one): most of an end-to-end
    // file's time is the simulator's modelled GPU time, spent waiting, not computing. The tests that
    // boot the simulator give its client limits a shared machine stays under (test/support/sim.ts).
    maxWorkers: 2,
    reporters: ['default'],
  },
});
