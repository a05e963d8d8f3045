import { test } from "node:test";
import assert = require("node:assert/strict");
import { existsSync } from "node:fs";
import { join } from "node:path";
import { deadEndpoint, FakeCollector } from "./support/fakeCollector";
import { runExitChild as runChild } from "./support/harness";

test("at process exit the queued calls are delivered (beforeExit) and the monitor does not keep the process alive", { timeout: 60_000 }, async () => {
    const collector = new FakeCollector();
    const endpoint = await collector.start();
    try {
        const result = await runChild({ TELLTALE_ENDPOINT: endpoint, TELLTALE_API_KEY: "k", CALLS: "25", CHILD_TAG: "exit-ok" });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, "done\n");
        assert.equal(result.stderr, "");
        assert.ok(result.ms < 20_000, `exited after ${result.ms} ms although the flush interval is 60 s`);
        const calls = collector.calls.filter((c) => c.tags.child === "exit-ok");
        assert.equal(calls.filter((c) => c.method === "tools/call").length, 25);
        assert.equal(calls.filter((c) => c.method === "initialize").length, 1);
    } finally {
        await collector.stop();
    }
});

test("at exit with a dead collector (spool off): one attempt, one log line, the process still exits with its own code", { timeout: 60_000 }, async () => {
    const result = await runChild({ TELLTALE_ENDPOINT: await deadEndpoint(), TELLTALE_API_KEY: "k", CALLS: "3", SPOOL_DIR: "off" });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, "done\n");
    assert.ok(result.ms < 20_000, `exited after ${result.ms} ms`);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^telltale: 5 calls not delivered at exit \(connection refused\)$/);
    const defaultFolder = join(process.env.XDG_DATA_HOME ?? "/nonexistent", "telltale", "spool", "127.0.0.1_1");
    assert.equal(existsSync(defaultFolder), false, "spool off: no spool folder");
});
