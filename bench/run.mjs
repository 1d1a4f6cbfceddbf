// `npm run bench`: runs every benchmark against the built package and prints one JSON
// object: { node, date, results: { name: { ns_per_op, baseline, baseline_ns_per_op, ratio } } }.
import { contextvarsBenchmarks } from "./contextvars.mjs";
import { trioBenchmarks } from "./trio.mjs";
import { asyncioBenchmarks } from "./asyncio.mjs";
import { bridgeBenchmarks } from "./bridge.mjs";
import { netBenchmarks } from "./net.mjs";

const suites = [contextvarsBenchmarks, trioBenchmarks, asyncioBenchmarks, bridgeBenchmarks, netBenchmarks];
const only = process.argv[2];

const results = {};
for (const suite of suites) {
  for (const [name, entry] of Object.entries(await suite())) {
    if (only === undefined || name.includes(only)) results[name] = entry;
  }
}
console.log(JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2));
