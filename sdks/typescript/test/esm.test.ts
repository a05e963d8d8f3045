import { test } from "node:test";
import assert = require("node:assert/strict");
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

test("the package imports from ES modules (the 2.x SDK is ESM-only) with named exports", () => {
    const entry = resolve(__dirname, "../src/index.js");
    const script = `import { monitor, encodeCall, Redactor } from ${JSON.stringify(entry)};
const lines = [];
const handle = monitor({}, { env: {}, logger: (line) => lines.push(line) });
console.log(JSON.stringify([typeof monitor, typeof encodeCall, typeof Redactor, handle.enabled, lines.length]));`;
    const output = execFileSync(process.argv[0], ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    assert.deepEqual(JSON.parse(output.trim()), ["function", "function", "function", false, 1]);
});
