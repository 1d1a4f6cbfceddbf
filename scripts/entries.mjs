// The package's entry points: subpath name -> source module. The face ("index") exposes
// each subpath as a namespace (`namespace`: its dotted path on the face), so every
// subpath's declarations are aliases into the face's rolled-up declarations (one
// declaration per class).
export const faceEntry = { name: "index", source: "src/index.ts" };
export const subpathEntries = [
  { name: "trio", source: "src/trio/index.ts", namespace: "trio" },
  { name: "asyncio", source: "src/asyncio/index.ts", namespace: "asyncio" },
  { name: "testing", source: "src/trio/testing/index.ts", namespace: "trio.testing" },
  { name: "sniffio", source: "src/flavor/index.ts", namespace: "sniffio" },
  { name: "contextvars", source: "src/contextvars/index.ts", namespace: "contextvars" },
];
