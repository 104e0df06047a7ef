import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Vitest's default leaves one core free, which on a two-core machine runs the files one at a
    // time (145 s); two workers take 80 s.
    maxWorkers: 2,
    hookTimeout: 30_000,
  },
});
