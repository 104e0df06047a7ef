import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Vitest's default leaves one core free, which on a two-core machine runs the files one at a
    // time (145 s); two workers take 80 s.
    maxWorkers: 2,
    hookTimeout: 30_000,
    // The fakes listen on loopback, which provider calls may not reach unless allowed; the tests
    // of that refusal turn it off for their own server (startTestServer's `config`). Child
    // processes (the CLI, `tidings start`) inherit it.
    env: { TIDINGS_ALLOW_PRIVATE_NETWORK: '1' },
  },
});
