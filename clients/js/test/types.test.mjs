// The SDK's types against the server's payloads: every frame the real server
// sends in a session that produces every server event (and every variant of
// the events whose data has several shapes, every room kind in both forms,
// both error forms) is written into a TypeScript file as a literal of type
// ServerFrame and compiled with tsc. A literal must have every property its
// type requires, with the right types, and nothing else (TypeScript's
// excess-property check), so a key the server adds, drops, renames or
// retypes fails this test. The frames come from the live server, not from a
// committed fixture, so there is nothing to regenerate.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ChatClient, SERVER_EVENT_TYPES } from "../dist/index.js";
import { TestServer } from "./server.mjs";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** A WebSocket that records every frame it receives into frames. */
function recording(frames) {
  return class extends WebSocket {
    constructor(url) {
      super(url);
      this.addEventListener("message", (ev) => frames.push(ev.data));
    }
  };
}

/**
 * Type-checks frames (JSON texts) as ServerFrame literals, plus extra
 * TypeScript source; returns tsc's diagnostics, one per line.
 */
function typecheck(frames, extra = "") {
  const dir = mkdtempSync(join(tmpdir(), "chatwasm-js-types-"));
  try {
    const lines = [`import type { ServerFrame, Message } from ${JSON.stringify(join(pkg, "dist/index.js"))};`];
    frames.forEach((f, i) => lines.push(`export const frame${i}: ServerFrame = ${f};`));
    lines.push(extra);
    writeFileSync(join(dir, "frames.ts"), lines.join("\n"));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2020",
          module: "ES2020",
          moduleResolution: "bundler",
          lib: ["ES2020", "DOM"],
          types: [],
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
        },
        files: ["frames.ts"],
      }),
    );
    const tsc = join(pkg, "node_modules/typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", dir, "--pretty", "false"], { encoding: "utf8" });
    return r.stdout.split("\n").filter((l) => l.includes("error TS"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("every frame the server sends has its declared type", async (t) => {
  const s = await TestServer.start();
  t.after(() => s.close());
  const [alice, bob, carol] = ["alice", "bob", "carol"].map((u) => s.addUser(u));
  const frames = [];
  const WS = recording(frames);
  const clients = [];
  const client = async (u) => {
    const c = new ChatClient({ url: s.url, token: u.token, WebSocket: WS, heartbeatIntervalMs: 0 });
    clients.push(c);
    await c.connect();
    return c;
  };
  t.after(() => clients.forEach((c) => c.close()));
  const a = await client(alice);
  let b = await client(bob);
  const c = await client(carol);

  const created = (req) => Promise.all([a.next("roomcreate.dispatch"), a.createRoom(req)]).then(([r]) => r);
  const sent = (cl, room, content, opts) =>
    Promise.all([cl.next("message.dispatch", (m) => m.content === content), cl.sendMessage(room, content, opts)]).then(([m]) => m);

  // Rooms of every kind (detail form), with messages of every kind.
  const chat = await created({ type: "OneToOneChat", participants: [bob.id] });
  const group = await created({ type: "GroupChat", name: "group", description: "d", participants: [bob.id] });
  const channel = await created({ type: "Channel", name: "channel", extra_fields: { is_public: true, avatar: "https://example.com/a.png" } });
  await created({ type: "GroupChat", name: "empty" });
  const m1 = await sent(a, chat.id, "hello");
  const m2 = await sent(b, chat.id, "a reply", { parentMessageId: m1.id });
  const media = [{ media_url: "https://example.com/x.pdf", media_type: "file", mime_type: "application/pdf", file_size: 3, caption: "x", metadata: { pages: 1 } }];
  const m3 = await sent(a, group.id, "with media", { media });
  await sent(a, group.id, "forwarded", { forwardedFromId: m2.id });

  await b.react(m1.id, "👍");
  await b.unreact(m1.id);
  await b.unreact(m1.id); // "failed"
  await b.react(m1.id, "🎉");
  await b.markRead(m1.id); // one id: an object
  await b.markRead([m3.id]); // a list: an array
  await b.acknowledge([m1.id, m3.id]);
  await a.typing(chat.id);
  await a.editMessage(m1.id, "hello, edited");
  await a.deleteMessages([m1.id]);

  // Notifications at connect: bob reconnects with pending ones (a new message, a reply, a reaction).
  b.close();
  await sent(a, chat.id, "pending");
  await a.react(m2.id, "❤️");
  b = await client(bob);

  await a.listRooms();
  await a.roomInfo(group.id);
  await a.messages(chat.id);
  await a.messages(chat.id, { page: 1, size: 1 });
  await a.addMembers(group.id, [carol.id]);
  await c.join(channel.id);
  await b.join(channel.id);
  await a.removeMembers(group.id, [carol.id]);
  await b.leave(channel.id);
  await a.modifyRoom({ room_id: group.id, action: "update", data: { name: "renamed", property: { preferences: { theme: "dark" } } } });
  await a.modifyRoom({ room_id: group.id, action: "add_admin", data: { users: [bob.id] } });
  await a.modifyRoom({ room_id: channel.id, action: "delete" });

  // Errors: a string detail, an array, field errors, and the invalid event type.
  await c.sendMessage(chat.id, "x").catch(() => {});
  await a.sendMessage("nope", "x").catch(() => {});
  await a.request("message.send", { room_id: chat.id }).catch(() => {});
  await a.request("no.such.event").catch(() => {});
  await Promise.all(clients.map((cl) => cl.heartbeat().catch(() => {})));

  // Every event type, every variant, both forms of every kind.
  const parsed = frames.map((f) => JSON.parse(f));
  const seen = new Set(parsed.map((f) => f.eventType).filter(Boolean));
  for (const e of SERVER_EVENT_TYPES) assert.ok(seen.has(e), `no ${e} frame was recorded`);
  const data = (e) => parsed.filter((f) => f.eventType === e).map((f) => f.data);
  const variants = {
    "reaction add": data("reaction.dispatch").some((d) => d.type === "add"),
    "reaction remove": data("reaction.dispatch").some((d) => d.action === "remove" && d.status === "successful"),
    "reaction remove failed": data("reaction.dispatch").some((d) => d.status === "failed"),
    "modification update": data("messagemodification.dispatch").some((d) => d.action === "update"),
    "modification delete": data("messagemodification.dispatch").some((d) => d.action === "delete"),
    "read receipt object": data("readreceipt.dispatch").some((d) => !Array.isArray(d)),
    "read receipt array": data("readreceipt.dispatch").some((d) => Array.isArray(d)),
    "history": data("roommessages.dispatch").some((d) => !("page" in d)),
    "history page": data("roommessages.dispatch").some((d) => "page" in d),
    "notifications": data("chat.notifications").some((d) => Object.keys(d).length > 0),
    "reply": data("message.dispatch").some((d) => d.parent_message !== null),
    "forward": data("message.dispatch").some((d) => d.forwarded_from !== null),
    "attachment": data("message.dispatch").some((d) => d.attachments.length > 0),
    "list with and without last message": ["OneToOneChat", "GroupChat", "Channel"].every((k) =>
      data("roomlist.dispatch").flat().some((r) => r.type === k),
    ) && data("roomlist.dispatch").flat().some((r) => r.last_message === null),
    "detail of every kind": ["OneToOneChat", "GroupChat", "Channel"].every((k) => data("roomcreate.dispatch").some((r) => r.type === k)),
    "heartbeat": parsed.some((f) => f.status === "success"),
    "error string": parsed.some((f) => typeof f.error?.detail === "string"),
    "error array": parsed.some((f) => Array.isArray(f.error?.detail)),
    "error fields": parsed.some((f) => f.error?.detail && typeof f.error.detail === "object" && !Array.isArray(f.error.detail)),
    "invalid event": parsed.some((f) => f.error === "invalid event type"),
  };
  assert.deepEqual(Object.entries(variants).filter(([, ok]) => !ok).map(([k]) => k), []);

  const unique = [...new Set(frames)];
  assert.deepEqual(typecheck(unique), [], `${unique.length} frames`);
});

test("the type check refuses a frame with a missing, an extra or a mistyped key", () => {
  const m = {
    id: "9f2b4c1e-0000-4000-8000-000000000000",
    room: { id: "9f2b4c1e-0000-4000-8000-000000000001" },
    sender: { id: 1, username: "a", email: "", first_name: "", last_name: "" },
    content: "x",
    is_deleted: false,
    is_edited: false,
    is_forwarded: false,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    parent_message: null,
    forwarded_from: null,
    delivered_to: [],
    read_receipts: [],
    reactions: [],
    attachments: [],
  };
  const frame = (data) => JSON.stringify({ type: "broadcast_group", eventType: "message.dispatch", data });
  const { reactions: _, ...missing } = m;
  const errs = typecheck([frame(m), frame(missing), frame({ ...m, priority: 1 }), frame({ ...m, is_edited: "no" })]);
  // No error for the right frame (line 2 of the file; line 1 is the import), one for each wrong one.
  assert.deepEqual(
    errs.map((e) => /frames\.ts\((\d+),/.exec(e)?.[1]),
    ["3", "4", "5"],
    errs.join("\n"),
  );
});
