#!/usr/bin/env node
// Builds the package: JavaScript with tsup (ESM + CJS), declarations with tsc, the
// face's declarations rolled up and its API report written by api-extractor, and one
// declaration file per subpath entry that aliases into the face's rollup.
//
//   node scripts/build.mjs            everything (api report rewritten, or checked when CI is set)
//   node scripts/build.mjs --js       JavaScript only
//   node scripts/build.mjs --api-only declarations and api report only
//   --check                           fail when the checked-in api report is stale (the default under CI)
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { subpathEntries } from "./entries.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const check = args.has("--check") || (!!process.env.CI && !args.has("--local"));

function run(cmd, cmdArgs) {
  execFileSync(process.execPath, [require.resolve(cmd), ...cmdArgs], { cwd: root, stdio: "inherit" });
}

function buildJs() {
  run("tsup/dist/cli-default.js", ["--silent"]);
}

function buildDeclarations() {
  rmSync(path.join(root, "build/types"), { recursive: true, force: true });
  run("typescript/bin/tsc", ["-p", "tsconfig.build.json"]);
  mkdirSync(path.join(root, "dist"), { recursive: true });

  const { Extractor, ExtractorConfig } = require("@microsoft/api-extractor");
  const config = ExtractorConfig.loadFileAndPrepare(path.join(root, "api-extractor.json"));
  // Locally a changed or new report is the point of the run, not a warning.
  const expected = new Set(check ? [] : ["console-api-report-changed", "console-api-report-created"]);
  const problems = [];
  const result = Extractor.invoke(config, {
    localBuild: !check,
    messageCallback(message) {
      if (message.logLevel === "info" || message.logLevel === "verbose") message.handled = true;
      if (message.logLevel === "warning" || message.logLevel === "error") {
        if (expected.has(message.messageId)) return;
        problems.push(message.formatMessageWithLocation(root));
      }
    },
  });
  if (!result.succeeded || problems.length > 0) {
    for (const p of problems) console.error(p);
    if (result.apiReportChanged && check) {
      console.error("The API report in api/ is stale: run `npm run api` and commit api/.");
    }
    process.exit(1);
  }
  copyFileSync(path.join(root, "dist/index.d.ts"), path.join(root, "dist/index.d.cts"));
  for (const entry of subpathEntries) writeSubpathDeclarations(entry);
}

// `export import x = ns.x` aliases every meaning of x (value, type, namespace), so a class
// imported from a subpath is the very declaration the face exports.
function writeSubpathDeclarations(entry) {
  const ts = require("typescript");
  const file = path.join(root, "build/types", path.relative("src", entry.source).replace(/\.ts$/, ".d.ts"));
  const program = ts.createProgram([file], { types: [], skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file));
  const names = checker.getExportsOfModule(symbol).map((s) => s.getName()).sort();
  if (names.length === 0) throw new Error(`no exports found in ${file}`);
  for (const [ext, face] of [["d.ts", "./index.js"], ["d.cts", "./index.cjs"]]) {
    const head = entry.namespace.split(".")[0];
    const lines = [
      `// The "trio-asyncio/${entry.name}" entry point: the face's \`${entry.namespace}\` namespace.`,
      `import { ${head} } from "${face}";`,
      ...names.map((n) => `export import ${n} = ${entry.namespace}.${n};`),
      "",
    ];
    writeFileSync(path.join(root, "dist", `${entry.name}.${ext}`), lines.join("\n"));
  }
}

if (!args.has("--api-only")) buildJs();
if (!args.has("--js")) buildDeclarations();
