// The package's entry points: subpath name -> source module. The face ("index") re-exports
// each subpath as a namespace of the same name, so every subpath's declarations are
// aliases into the face's rolled-up declarations (one declaration per class).
export const faceEntry = { name: "index", source: "src/index.ts" };
export const subpathEntries = [
  { name: "sniffio", source: "src/flavor/index.ts", namespace: "sniffio" },
  { name: "contextvars", source: "src/contextvars/index.ts", namespace: "contextvars" },
];
