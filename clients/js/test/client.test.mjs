// The client against the real server: connect, actions and their events,
// typed errors, request/error correlation, acknowledgements, heartbeat and
// reconnect across a server restart.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AuthError,
  ChatClient,
  ChatError,
  ConnectionClosedError,
  CustomError,
  IntegrityError,
  InternalError,
  InvalidEventError,
  NotFoundError,
  PermissionError,
  ValidationError,
  backoffDelay,
  chatError,
} from "../dist/index.js";
import { TestServer, buildModule } from "./server.mjs";

/** A client of user u on server s, connected; closed when the test ends. */
async function connect(t, s, u, opts = {}) {
  const c = new ChatClient({ url: s.url, token: u.token, heartbeatIntervalMs: 0, ...opts });
  t.after(() => c.close());
  await c.connect();
  return c;
}

describe("against a server", () => {
  let s, alice, bob, carol;
  before(async () => {
    s = await TestServer.start();
    alice = s.addUser("alice");
    bob = s.addUser("bob");
    carol = s.addUser("carol");
  });
  after(() => s.close());

  /** A 1-1 chat of a and b, created by a; resolves with its id once both clients have it. */
  async function oneToOne(a, b, peer) {
    const [room] = await Promise.all([
      b.next("roomcreate.dispatch"),
      a.next("roomcreate.dispatch"),
      a.createRoom({ type: "OneToOneChat", participants: [peer.id] }),
    ]);
    return room.id;
  }

  test("connects with a token and receives the pending notifications first", async (t) => {
    const c = new ChatClient({ url: s.url, token: alice.token, heartbeatIntervalMs: 0 });
    t.after(() => c.close());
    const notes = c.next("chat.notifications");
    const opened = c.next("open");
    assert.equal(c.state, "idle");
    await c.connect();
    assert.equal(c.state, "open");
    assert.deepEqual(await opened, { reconnected: false });
    assert.deepEqual(await notes, {});
  });

  test("a token function is called for the connect", async (t) => {
    let calls = 0;
    const c = await connect(t, s, alice, { token: async () => (calls++, alice.token) });
    assert.equal(calls, 1);
    assert.deepEqual(await c.listRooms(), []);
  });

  test("an http:// URL stands for ws://", async (t) => {
    const c = await connect(t, s, alice, { url: s.url.replace("ws://", "http://") });
    assert.equal(c.state, "open");
  });

  test("an invalid token rejects connect with an AuthError and does not reconnect", async () => {
    const c = new ChatClient({ url: s.url, token: "not-a-token", heartbeatIntervalMs: 0 });
    const closed = c.next("close");
    let reconnecting = 0;
    c.on("reconnecting", () => reconnecting++);
    await assert.rejects(c.connect(), (err) => err instanceof AuthError && err.code === 4001);
    const ev = await closed;
    assert.equal(ev.code, 4001);
    assert.equal(ev.willReconnect, false);
    assert.ok(ev.error instanceof AuthError);
    assert.equal(c.state, "closed");
    assert.equal(reconnecting, 0);
  });

  test("messages, replies, reactions, typing, edits and deletes reach both members", async (t) => {
    const a = await connect(t, s, alice);
    const b = await connect(t, s, bob);
    const room = await oneToOne(a, b, bob);

    const [got] = await Promise.all([b.next("message.dispatch"), a.sendMessage(room, "Hello <b>Bob</b>")]);
    assert.equal(got.content, "Hello <b>Bob</b>");
    assert.equal(got.sender.username, "alice");
    assert.equal(got.room.id, room);

    const [reply] = await Promise.all([a.next("message.dispatch"), b.sendMessage(room, "hi", { parentMessageId: got.id })]);
    assert.equal(reply.parent_message.id, got.id);

    const [reacted] = await Promise.all([a.next("reaction.dispatch"), b.react(got.id, "👍")]);
    assert.equal(reacted.type, "add");
    assert.equal(reacted.message.reactions[0].reaction_content, "👍");
    const [removed] = await Promise.all([a.next("reaction.dispatch"), b.unreact(got.id)]);
    assert.deepEqual([removed.action, removed.status], ["remove", "successful"]);

    const [typing] = await Promise.all([b.next("messagetyping.dispatch"), a.typing(room)]);
    assert.deepEqual(typing, { username: "alice" });

    const [edited] = await Promise.all([b.next("messagemodification.dispatch"), a.editMessage(got.id, "edited")]);
    assert.equal(edited.action, "update");
    assert.equal(edited.message.is_edited, true);
    const [deleted] = await Promise.all([b.next("messagemodification.dispatch"), a.deleteMessages([got.id])]);
    assert.deepEqual(deleted.message_ids, [got.id]);

    const history = await a.messages(room);
    assert.deepEqual(
      history.data.messages.map((m) => m.content),
      ["hi"],
    );
    const page = await a.messages(room, { page: 1, size: 1 });
    assert.equal(page.has_next, false);
    assert.equal(page.data.messages.length, 1);
  });

  test("acknowledge and markRead: the sender sees delivery and the room sees the receipt", async (t) => {
    const a = await connect(t, s, alice);
    const b = await connect(t, s, bob);
    const [created] = await Promise.all([a.next("roomcreate.dispatch"), a.createRoom({ type: "OneToOneChat", participants: [carol.id] })]);
    const room = created.id; // alice and carol: bob is not in it
    const [m] = await Promise.all([a.next("message.dispatch"), a.sendMessage(room, "one")]);
    // bob is no member: acknowledging is refused with a PermissionError
    await assert.rejects(b.acknowledge(m.id), PermissionError);

    const c = await connect(t, s, carol);
    const [delivered] = await Promise.all([a.next("messagedelivered.dispatch"), c.acknowledge([m.id])]);
    assert.deepEqual(delivered.map((x) => x.delivered_to), [["carol"]]);
    const [read] = await Promise.all([a.next("readreceipt.dispatch"), c.markRead(m.id)]);
    assert.equal(read.id, m.id);
    assert.equal(read.read_receipts[0].reader.username, "carol");
    await assert.rejects(c.markRead(m.id), IntegrityError); // a second read is 4005
  });

  test("autoAcknowledge acknowledges pending notifications at connect and new messages", async (t) => {
    const a = await connect(t, s, alice);
    const b0 = await connect(t, s, bob);
    const room = await oneToOne(a, b0, bob).catch(async () => {
      // alice and bob may already share a 1-1 chat from an earlier test
      const rooms = await a.listRooms();
      return rooms.find((r) => r.type === "OneToOneChat" && r.peer.username === "bob").id;
    });
    b0.close();
    await a.sendMessage(room, "while you were away");
    const pending = (await a.messages(room)).data.messages[0];

    const delivered = a.next("messagedelivered.dispatch", (ms) => ms.some((m) => m.id === pending.id));
    const b = new ChatClient({ url: s.url, token: bob.token, heartbeatIntervalMs: 0, autoAcknowledge: true, userId: bob.id });
    t.after(() => b.close());
    const notes = b.next("chat.notifications");
    await b.connect();
    const byRoom = await notes;
    assert.ok(byRoom[room].some((n) => n.message.id === pending.id && n.notification_type === "NEW_MESSAGE"));
    assert.ok((await delivered).find((m) => m.id === pending.id).delivered_to.includes("bob"));

    const next = a.next("messagedelivered.dispatch");
    await a.sendMessage(room, "and now");
    const [m] = await next;
    assert.equal(m.content, "and now");
    assert.deepEqual(m.delivered_to, ["bob"]);

    // bob's own messages are not acknowledged by bob
    let own = 0;
    b.on("messagedelivered.dispatch", () => own++);
    await Promise.all([a.next("message.dispatch"), b.sendMessage(room, "mine")]);
    await b.heartbeat();
    assert.equal(own, 0);
  });

  test("typed errors for each code, and the request they belong to", async (t) => {
    const a = await connect(t, s, alice);
    const b = await connect(t, s, bob);
    const group = (await Promise.all([a.next("roomcreate.dispatch"), a.createRoom({ type: "GroupChat", name: "g" })]))[0].id;

    const perm = await b.sendMessage(group, "x").catch((e) => e);
    assert.ok(perm instanceof PermissionError);
    assert.equal(perm.detail, "User is not authorized to send message to this room");

    const invalid = await a.sendMessage("not-a-uuid", "x").catch((e) => e);
    assert.ok(invalid instanceof ValidationError);
    assert.deepEqual(invalid.detail, ["“not-a-uuid” is not a valid UUID."]);

    const blank = await a.request("message.send", { room_id: group }).catch((e) => e);
    assert.ok(blank instanceof ValidationError);
    assert.deepEqual(blank.fields, { content: ["This field is required."] });
    assert.deepEqual(blank.messages, ["content: This field is required."]);

    const missing = await a.roomInfo("00000000-0000-4000-8000-000000000000").catch((e) => e);
    assert.ok(missing instanceof NotFoundError);
    assert.equal(missing.detail, "Resource not found.");

    const unknown = await a.request("no.such.event").catch((e) => e);
    assert.ok(unknown instanceof InvalidEventError);
    assert.ok(unknown instanceof ChatError);

    // An error caused by send() goes to the "error" event, not to the next request.
    const errors = [];
    a.on("error", (e) => errors.push(e));
    a.send("room.info", { room_id: "00000000-0000-4000-8000-000000000000" });
    const info = await a.roomInfo(group);
    assert.equal(info.name, "g");
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof NotFoundError);

    // Several requests in flight at once each get their own outcome.
    const outcomes = await Promise.allSettled([a.typing(group), b.typing(group), a.sendMessage(group, ""), a.typing(group)]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === "fulfilled" ? "ok" : o.reason.constructor.name)),
      ["ok", "PermissionError", "ValidationError", "ok"],
    );
  });

  test("heartbeats are sent on the interval and answered", async (t) => {
    const c = await connect(t, s, alice, { heartbeatIntervalMs: 20 });
    let beats = 0;
    await new Promise((resolve) =>
      c.on("heartbeat", () => {
        if (++beats === 3) resolve();
      }),
    );
    assert.equal(c.state, "open");
  });
});

test("reconnects with backoff after a server restart, and what was sent meanwhile arrives", async (t) => {
  const s = await TestServer.start();
  t.after(() => s.close());
  const alice = s.addUser("alice");
  const bob = s.addUser("bob");
  const a = new ChatClient({ url: s.url, token: alice.token, heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  t.after(() => a.close());
  await a.connect();
  const b = new ChatClient({ url: s.url, token: bob.token, heartbeatIntervalMs: 0 });
  t.after(() => b.close());
  await b.connect();
  const [room] = await Promise.all([a.next("roomcreate.dispatch"), a.createRoom({ type: "OneToOneChat", participants: [bob.id] })]);

  const closed = a.next("close");
  const reconnecting = [];
  a.on("reconnecting", (r) => reconnecting.push(r));
  await s.stop();
  const ev = await closed;
  assert.equal(ev.code, 1001);
  assert.equal(ev.willReconnect, true);
  await assert.rejects(a.typing(room.id), ConnectionClosedError);
  // Let at least two attempts fail against the stopped server, then restart it.
  await a.next("reconnecting", (r) => r.attempt >= 3);
  const reopened = a.next("open");
  const notes = a.next("chat.notifications");
  await s.start();
  // bob's client reconnects too (default backoff) and sends while alice may still be away
  await b.next("open");
  await b.sendMessage(room.id, "sent meanwhile");
  assert.deepEqual(await reopened, { reconnected: true });
  assert.equal(a.state, "open");
  assert.deepEqual(
    reconnecting.slice(0, 3).map((r) => r.attempt),
    [1, 2, 3],
  );
  assert.ok(reconnecting.every((r) => r.delayMs >= 25 && r.delayMs <= 200), JSON.stringify(reconnecting));
  // Either in the connect-time notifications or as a live message.dispatch; history has it in any case.
  await notes;
  const history = await a.messages(room.id);
  assert.equal(history.data.messages[0].content, "sent meanwhile");
});

test("a token function gets one more try after a 4001 on reconnect; a second 4001 in a row is final", async (t) => {
  const s = await TestServer.start();
  t.after(() => s.close());
  const alice = s.addUser("alice");
  // "expired": refused until the first 4001, then valid again; "revoked": refused for good.
  let mode = "valid";
  const a = new ChatClient({
    url: s.url,
    token: () => (mode === "valid" ? alice.token : "expired"),
    heartbeatIntervalMs: 0,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
  });
  t.after(() => a.close());
  const auth = [];
  a.on("close", (ev) => {
    if (ev.code !== 4001) return;
    auth.push(ev.willReconnect);
    if (mode === "expired") mode = "valid";
  });
  await a.connect();

  mode = "expired";
  const reopened = a.next("open");
  await s.stop();
  await s.start();
  assert.deepEqual(await reopened, { reconnected: true });
  assert.deepEqual(auth, [true]);

  mode = "revoked";
  const final = a.next("close", (ev) => ev.code === 4001 && !ev.willReconnect);
  await s.stop();
  await s.start();
  const ev = await final;
  assert.ok(ev.error instanceof AuthError);
  assert.deepEqual(auth, [true, true, false]);
  assert.equal(a.state, "closed");
});

test("a module's refusal is a typed error (4007), and a failing heartbeat is an error of its own", async (t) => {
  // moderation refuses messages with a banned word (4003), error-codes turns
  // that refusal into a 4007; heartless fails every heartbeat of one user.
  const s = await TestServer.start([], {
    setup: (dir) => {
      buildModule(dir, "modules/examples/moderation", "moderation");
      buildModule(dir, "modules/examples/error-codes", "error-codes");
      buildModule(dir, "clients/js/test/testdata/heartless", "heartless");
    },
    modules: `modules:
  - name: moderation
    path: moderation.wasm
    hooks: ["_create_message"]
    config:
      banned_words: "spam"
  - name: error-codes
    path: error-codes.wasm
    hooks: ["handle_exception"]
  - name: heartless
    path: heartless.wasm
    hooks: ["update_session"]
`,
  });
  t.after(() => s.close());
  const alice = s.addUser("alice");
  const heartless = s.addUser("heartless");

  const a = await connect(t, s, alice);
  const [room] = await Promise.all([a.next("roomcreate.dispatch"), a.createRoom({ type: "GroupChat", name: "g", participants: [heartless.id] })]);
  const refused = await a.sendMessage(room.id, "buy spam").catch((e) => e);
  assert.ok(refused instanceof CustomError, String(refused));
  assert.equal(refused.code, 4007);
  assert.deepEqual(refused.messages, ["Message contains prohibited content"]);
  await a.sendMessage(room.id, "fine");

  // Every heartbeat of heartless is answered with an error frame instead of the reply.
  const h = new ChatClient({ url: s.url, token: heartless.token, heartbeatIntervalMs: 0 });
  t.after(() => h.close());
  const errors = [];
  h.on("error", (e) => errors.push(e));
  await h.connect();
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof InternalError);
  await assert.rejects(h.heartbeat(), InternalError);
  // A request that fails, followed by its failing heartbeat: two error frames, the first the request's.
  await assert.rejects(h.sendMessage(room.id, "spam"), CustomError);
  await assert.rejects(h.heartbeat(), InternalError);
  assert.deepEqual(
    errors.map((e) => e.code),
    [4006, 4006], // the connect's heartbeat and the request's; heartbeat() rejects instead
  );
});

test("a server that stops answering is detected by the heartbeat and reconnected", async (t) => {
  const s = await TestServer.start();
  t.after(async () => {
    s.proc?.kill("SIGCONT");
    await s.close();
  });
  const alice = s.addUser("alice");
  const a = await connect(t, s, alice, {
    heartbeatIntervalMs: 50,
    heartbeatTimeoutMs: 200,
    connectTimeoutMs: 200,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
  });
  const closes = [];
  a.on("close", (ev) => closes.push(ev));
  // The socket stays open and the port accepts connections, but nothing answers.
  s.proc.kill("SIGSTOP");
  // The heartbeat finds the connection dead; then the reconnects time out until the server resumes.
  await a.next("close", (ev) => ev.reason === "connect timeout");
  assert.deepEqual([closes[0].code, closes[0].reason, closes[0].willReconnect], [1006, "heartbeat timeout", true]);
  const reopened = a.next("open");
  s.proc.kill("SIGCONT");
  assert.deepEqual(await reopened, { reconnected: true });
  assert.deepEqual(await a.listRooms(), []);
});

test("backoffDelay grows exponentially up to the cap, with half of it jittered", () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 0)),
    [50, 100, 200, 400, 500, 500],
  );
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 0.999999)).map(Math.round),
    [100, 200, 400, 800, 1000, 1000],
  );
});

test("chatError picks the class of each code", () => {
  const want = {
    4001: AuthError,
    4002: PermissionError,
    4003: ValidationError,
    4004: NotFoundError,
    4005: IntegrityError,
    4006: InternalError,
    4007: CustomError,
  };
  for (const [code, C] of Object.entries(want)) {
    const e = chatError(Number(code), "d");
    assert.ok(e instanceof C && e instanceof ChatError, code);
    assert.equal(e.name, C.name);
    assert.equal(e.code, Number(code));
  }
  const other = chatError(4042, { why: ["custom"] });
  assert.equal(other.constructor, ChatError);
  assert.deepEqual(other.messages, ["why: custom"]);
});
