// The drift check of the committed build: compiles web/src and the SDK
// (clients/js/src) with the pinned tsc into a temporary directory and fails
// if that differs from static/js, file for file. Fix a failure with
// `npm run build` here and commit static/js.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const committed = join(here, "static", "js");
const fresh = mkdtempSync(join(tmpdir(), "chatwasm-web-"));

function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

try {
  execFileSync(join(here, "node_modules", ".bin", "tsc"), ["-p", join(here, "tsconfig.json"), "--outDir", fresh], {
    stdio: "inherit",
  });
  const want = files(fresh);
  const have = files(committed);
  const problems = [];
  for (const f of want) {
    if (!have.includes(f)) problems.push(`missing: static/js/${f}`);
    else if (!readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f)))) problems.push(`stale: static/js/${f}`);
  }
  for (const f of have) if (!want.includes(f)) problems.push(`not built from any source: static/js/${f}`);
  if (problems.length > 0) {
    console.error(`web: the committed build differs from the sources:\n  ${problems.join("\n  ")}`);
    console.error("run `npm run build` in web/ and commit static/js");
    process.exit(1);
  }
  console.log(`web: static/js matches web/src and clients/js/src (${want.length} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
