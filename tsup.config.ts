import { defineConfig } from "tsup";
// @ts-expect-error -- plain ESM helper shared with scripts/build.mjs, no declarations.
import { faceEntry, subpathEntries } from "./scripts/entries.mjs";

type Entry = { name: string; source: string };

const entry: Record<string, string> = {};
for (const e of [faceEntry as Entry, ...(subpathEntries as Entry[])]) entry[e.name] = e.source;

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
