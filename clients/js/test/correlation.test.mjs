// How the client pairs error frames with requests, driven frame by frame
// through a scripted WebSocket, for the cases the real server produces only
// with failing modules or dead networks: a heartbeat that fails, a server
// that stops answering.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ChatClient, NotFoundError, ValidationError, InternalError } from "../dist/index.js";

/** A WebSocket whose server side is the test: sent holds the frames the client sent. */
class ScriptedWS {
  static last = null;
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.onopen = this.onclose = this.onmessage = this.onerror = null;
    ScriptedWS.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }
  send(data) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  /** The server sends a frame. */
  push(frame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

const ok = { status: "success" };
const error = (code, detail) => ({ error: { code, detail } });
const tick = () => new Promise((r) => setTimeout(r, 0));

async function connected(opts = {}) {
  const c = new ChatClient({ url: "ws://chat.test/messaging/", token: "t", WebSocket: ScriptedWS, heartbeatIntervalMs: 0, ...opts });
  const p = c.connect();
  await tick();
  const ws = ScriptedWS.last;
  assert.equal(ws.url, "ws://chat.test/messaging/?token=t");
  assert.deepEqual(ws.sent, [{ event_type: "session.heartbeat" }]);
  ws.push(ok);
  await p;
  ws.sent = [];
  return { c, ws };
}

test("errors of send() and of requests each go where they belong, in order", async () => {
  const { c, ws } = await connected();
  const errors = [];
  c.on("error", (e) => errors.push(e));
  c.send("room.info", { room_id: "x" });
  const r1 = c.typing("r1").then(() => "ok", (e) => e);
  const r2 = c.typing("r2").then(() => "ok", (e) => e);
  assert.deepEqual(
    ws.sent.map((f) => f.event_type),
    ["room.info", "session.heartbeat", "message.typing", "session.heartbeat", "message.typing", "session.heartbeat"],
  );
  ws.push(error(4004, "Resource not found.")); // room.info's
  ws.push(ok);
  ws.push(ok); // r1 succeeded
  ws.push(error(4003, ["bad"])); // r2's
  ws.push(ok);
  assert.equal(await r1, "ok");
  assert.ok((await r2) instanceof ValidationError);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof NotFoundError);
  c.close();
});

test("a failing heartbeat ends its window instead of shifting the next one's answer", async () => {
  const { c, ws } = await connected();
  const errors = [];
  c.on("error", (e) => errors.push(e));
  const hb = c.heartbeat().then(() => "ok", (e) => e);
  const r = c.typing("r").then(() => "ok", (e) => e);
  ws.push(error(4006, "Internal server error.")); // the heartbeat's own error: no reply follows
  ws.push(ok); // the typing request's heartbeat
  assert.ok((await hb) instanceof InternalError);
  assert.equal(await r, "ok");
  assert.equal(errors.length, 1);

  // A request whose heartbeat fails after the request failed: the request gets its own error.
  const r2 = c.typing("r2").then(() => "ok", (e) => e);
  ws.push(error(4002, "no"));
  ws.push(error(4006, "Internal server error."));
  const e2 = await r2;
  assert.equal(e2.code, 4002);
  c.close();
});

test("a server that stops answering heartbeats is reconnected", async () => {
  const { c, ws } = await connected({ heartbeatIntervalMs: 5, heartbeatTimeoutMs: 20, reconnect: { initialDelayMs: 1, maxDelayMs: 2 } });
  const closed = c.next("close");
  const reopened = c.next("open");
  const ev = await closed; // nothing answers the heartbeats
  assert.equal(ev.reason, "heartbeat timeout");
  assert.ok(ws.sent.length >= 1);
  while (ScriptedWS.last === ws) await new Promise((r) => setTimeout(r, 1));
  const ws2 = ScriptedWS.last;
  while (ws2.sent.length === 0) await tick();
  ws2.push(ok);
  assert.deepEqual(await reopened, { reconnected: true });
  c.close();
});
