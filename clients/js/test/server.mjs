// The real chatwasm server for the tests: built from this repository with
// go build, run on a free port with a temporary SQLite file; users and tokens
// come from its CLI (chatwasm user add, chatwasm token).

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The server binary: $CHATWASM_BIN (test/run.mjs builds it once), else built here into dir. */
export function serverBinary(dir) {
  if (process.env.CHATWASM_BIN) return process.env.CHATWASM_BIN;
  const bin = join(dir, "chatwasm");
  execFileSync("go", ["build", "-o", bin, "./cmd/chatwasm"], { cwd: repo, stdio: "inherit" });
  return bin;
}

/** Builds the Go module at pkg (a path from the repository root) into dir/name.wasm; returns its path. */
export function buildModule(dir, pkg, name) {
  const out = join(dir, name + ".wasm");
  execFileSync("go", ["build", "-buildmode=c-shared", "-o", out, "./" + pkg], {
    cwd: repo,
    stdio: "inherit",
    env: { ...process.env, GOOS: "wasip1", GOARCH: "wasm" },
  });
  return out;
}

export class TestServer {
  /**
   * Builds (if needed) and starts a server on a fresh database; extra args go
   * to serve. With modules (the text of a modules.yaml, whose paths are
   * relative to the server's directory), setup(dir) runs first to put the
   * modules there.
   */
  static async start(args = [], { modules, setup } = {}) {
    const dir = mkdtempSync(join(tmpdir(), "chatwasm-js-"));
    if (setup) setup(dir);
    if (modules) {
      writeFileSync(join(dir, "modules.yaml"), modules);
      args = [...args, "--modules", join(dir, "modules.yaml"), "--module-watch", "0", "--module-cache", join(dir, "cache")];
    }
    const s = new TestServer(dir, serverBinary(dir), args);
    await s.start();
    return s;
  }

  constructor(dir, bin, args) {
    this.dir = dir;
    this.bin = bin;
    this.args = args;
    this.db = "sqlite:" + join(dir, "chat.db");
    this.addr = "127.0.0.1:0";
    this.proc = null;
    this.log = "";
  }

  /** The WebSocket endpoint. */
  get url() {
    return `ws://${this.addr}/messaging/`;
  }

  cli(...args) {
    return execFileSync(this.bin, [...args, "--db", this.db], { encoding: "utf8" }).trim();
  }

  /** Creates a user with the CLI; returns {id, username, ..., token}. */
  addUser(username) {
    const user = JSON.parse(this.cli("user", "add", username));
    return { ...user, token: this.token(username) };
  }

  /** A token for username, made by `chatwasm token`. */
  token(username, ttl) {
    return ttl ? this.cli("token", username, "--ttl", ttl) : this.cli("token", username);
  }

  /** Starts the server (again on the same address and database after a stop) and waits until it listens. */
  start() {
    return new Promise((resolve, reject) => {
      const proc = spawn(this.bin, ["serve", "--db", this.db, "--addr", this.addr, ...this.args], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      this.proc = proc;
      let buf = "";
      proc.stderr.setEncoding("utf8");
      proc.stderr.on("data", (chunk) => {
        this.log += chunk;
        buf += chunk;
        const m = /msg=listening addr=(\S+)/.exec(buf);
        if (m) {
          this.addr = m[1];
          buf = "";
          resolve();
        }
      });
      proc.on("exit", (code) => reject(new Error(`chatwasm serve exited with ${code}:\n${this.log}`)));
    });
  }

  /** Stops the server (SIGTERM: it closes every WebSocket with 1001) and waits for it to exit. */
  stop() {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      proc.removeAllListeners("exit");
      proc.on("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  }

  /** Stops the server and deletes its files. */
  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
