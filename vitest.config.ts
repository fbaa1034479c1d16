import { defineConfig } from "vitest/config";

// Four suites: unit (pure functions and Pulumi mocks), config (rendered files checked by the real tools),
// live (the rendered stack running on 127.0.0.1), dr (backups and restore on a real PostgreSQL).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 } },
      { test: { name: "config", include: ["test/config/**/*.test.ts"], testTimeout: 120_000 } },
      {
        test: {
          name: "live",
          include: ["test/live/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "dr",
          include: ["test/dr/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
