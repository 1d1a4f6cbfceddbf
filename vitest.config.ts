import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // The engine keeps its own state per run; isolation between files is not needed, and
    // the suite must stay fast on two cores.
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
