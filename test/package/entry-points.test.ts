// Checks the built package (dist/): `npm test` builds it first (the pretest script).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const subpaths = Object.keys(pkg.exports as Record<string, unknown>)
  .filter((k) => k !== "." && k !== "./package.json")
  .map((k) => k.slice(2));
const { subpathEntries } = (await import("../../scripts/entries.mjs")) as {
  subpathEntries: { name: string; namespace: string }[];
};
/** Each subpath with the dotted path of its namespace on the face. */
const namespaces = Object.fromEntries(subpathEntries.map((e) => [e.name, e.namespace]));

function node(code: string, type: "module" | "commonjs"): string {
  const flag = type === "module" ? "--input-type=module" : "--input-type=commonjs";
  return execFileSync(process.execPath, [flag, "-e", code], { cwd: root, encoding: "utf8" }).trim();
}

describe("built entry points", () => {
  it("dist exists (run `npm run build` when running this file alone)", () => {
    expect(existsSync(path.join(root, "dist/index.js"))).toBe(true);
  });

  it("package.json exports exactly the entries the build produces", async () => {
    const { subpathEntries } = await import("../../scripts/entries.mjs");
    expect([...subpaths].sort()).toEqual((subpathEntries as { name: string }[]).map((e) => e.name).sort());
    for (const name of ["index", ...subpaths]) {
      for (const file of [`${name}.js`, `${name}.cjs`, `${name}.d.ts`, `${name}.d.cts`]) {
        expect(existsSync(path.join(root, "dist", file)), file).toBe(true);
      }
    }
  });

  it("every subpath is the face's namespace of the same name, in ESM", () => {
    const code = `
      const face = await import("trio-asyncio");
      const out = {};
      for (const [name, path] of Object.entries(${JSON.stringify(namespaces)})) {
        const sub = await import("trio-asyncio/" + name);
        const ns = path.split(".").reduce((o, k) => o[k], face);
        out[name] = Object.keys(sub).length > 0 && Object.keys(sub).every((k) => sub[k] === ns[k]);
      }
      console.log(JSON.stringify(out));`;
    expect(JSON.parse(node(code, "module"))).toEqual(Object.fromEntries(subpaths.map((s) => [s, true])));
  });

  it("every subpath is the face's namespace of the same name, in CommonJS", () => {
    const code = `
      const face = require("trio-asyncio");
      const out = {};
      for (const [name, path] of Object.entries(${JSON.stringify(namespaces)})) {
        const sub = require("trio-asyncio/" + name);
        const ns = path.split(".").reduce((o, k) => o[k], face);
        out[name] = Object.keys(sub).length > 0 && Object.keys(sub).every((k) => sub[k] === ns[k]);
      }
      console.log(JSON.stringify(out));`;
    expect(JSON.parse(node(code, "commonjs"))).toEqual(Object.fromEntries(subpaths.map((s) => [s, true])));
  });

  it("the face exports the namespaces and the flavor helpers", () => {
    const esm = node(`const m = await import("trio-asyncio"); console.log(Object.keys(m).sort().join(","))`, "module");
    const cjs = node(`console.log(Object.keys(require("trio-asyncio")).sort().join(","))`, "commonjs");
    expect(esm).toBe(cjs);
    for (const name of ["trio", "asyncio", "contextvars", "sniffio", "currentAsyncLibrary", "FlavorError"]) {
      expect(esm.split(",")).toContain(name);
    }
  });

  it("a TypeScript consumer sees one declaration per class across the face and the subpaths", () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const fixture = path.join(root, "test/package/fixture");
    expect(() =>
      execFileSync(process.execPath, [tsc, "-p", fixture], { cwd: root, encoding: "utf8", stdio: "pipe" }),
    ).not.toThrow();
  });
});
