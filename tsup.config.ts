import { defineConfig } from "tsup";
import { faceEntry, subpathEntries } from "./scripts/entries.mjs";

const entry: Record<string, string> = {};
for (const e of [faceEntry, ...subpathEntries]) entry[e.name] = e.source;

export default defineConfig({
  entry,
  format: ["esm", "cjs"],
  // Splitting in both formats: every entry point shares one copy of the runtime (one
  // AsyncLocalStorage, one set of classes) within each format.
  splitting: true,
  dts: false,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "node",
  outDir: "dist",
  outExtension: ({ format }) => ({ js: format === "cjs" ? ".cjs" : ".js" }),
});
