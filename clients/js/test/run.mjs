// Runs the tests with the Node test runner against one build of the server.
// Node 22+ has a global WebSocket; Node 20 needs --experimental-websocket.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverBinary } from "./server.mjs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 10)) {
  console.error(`the tests need Node.js 20.10 or later (for its WebSocket), not ${process.versions.node}`);
  process.exit(1);
}
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "chatwasm-js-bin-"));
let status = 1;
try {
  const env = { ...process.env, CHATWASM_BIN: serverBinary(dir) };
  const flags = major < 22 ? ["--experimental-websocket", "--no-warnings=ExperimentalWarning"] : [];
  const files = readdirSync(here)
    .filter((f) => f.endsWith(".test.mjs"))
    .map((f) => join(here, f));
  const r = spawnSync(process.execPath, [...flags, "--test", "--test-timeout=600000", "--test-reporter=spec", ...process.argv.slice(2), ...files], { stdio: "inherit", env });
  status = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
