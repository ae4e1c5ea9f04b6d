// probe: the test module of the AssemblyScript SDK. Its _create_message runs
// the operation named by args.op and returns what the SDK made of it, so
// that sdktest.Probe can check every binding against the real host.
import {
  Call,
  CreateMessageArgs,
  CreateNotificationArgs,
  ExceptionArgs,
  PermissionArgs,
  Resolved,
  UpdateNotificationArgs,
  HostError,
  Level,
  Member,
  Message,
  Response,
  Result,
  Room,
  User,
  Kind,
  Value,
  config,
  emitRoom,
  emitUser,
  intField,
  kvDelete,
  kvGet,
  kvList,
  kvSet,
  log,
  logKernel,
  lower,
  membersAdd,
  membersRemove,
  messageGet,
  next,
  renderMessage,
  renderNotification,
  renderRoom,
  renderUser,
  roomGet,
  roomMembers,
  roomProperty,
  input,
  output,
  run,
  setError,
  stringField,
  userGet,
  varGet,
  varSet,
} from "../../assembly/index";
export { chatwasm_abi_v1 } from "../../assembly/index";

function probe(call: Call): Response {
  const op = stringField(call.args, "op");
  if (op == "echo") {
    const v = call.args.get("value");
    return Response.value(v === null ? Value.null() : v);
  }
  if (op == "invalid") return Response.value(invalid(call.args));
  if (op == "imports") return Response.value(imports(call.args));
  if (op == "payloads") return Response.value(payloads(call.args));
  if (op == "fail") {
    const d = call.args.get("detail");
    return Response.fail(4005, d === null ? Value.null() : d);
  }
  if (op == "next") return Response.next('{"changed":true}');
  if (op == "panic") throw new Error("probe panics");
  return Response.validation("unknown op");
}

/** For each string of args.docs, whether Value.parse refuses it. */
function invalid(args: Value): Value {
  const docs = args.get("docs");
  const out: Value[] = [];
  if (docs !== null) {
    for (let i = 0; i < docs.items.length; i++) out.push(Value.bool(Value.parse(docs.items[i].text).value === null));
  }
  return Value.array(out);
}

/** args' member key, or an empty object. */
function part(args: Value, key: string): Value {
  const v = args.get(key);
  return v === null ? Value.object() : v;
}

/** The enriched payloads of args, read with the SDK's classes, field by field. */
function payloads(args: Value): Value {
  const c = CreateMessageArgs.from(part(args, "create"));
  const p = PermissionArgs.from(part(args, "permission"));
  const r = p.resolved === null ? new Resolved() : <Resolved>p.resolved;
  const e = ExceptionArgs.from(part(args, "exception"));
  const n = CreateNotificationArgs.from(part(args, "notify"));
  const a = UpdateNotificationArgs.from(part(args, "ack"));
  return Value.object()
    .set("create", Value.object()
      .set("room_id", Value.str(c.roomId))
      .set("room_kind", Value.str(c.roomKind))
      .set("member_count", Value.int(c.memberCount))
      .set("sender_role", Value.str(c.senderRole)))
    .set("permission", Value.object()
      .set("room_id", Value.str(r.roomId))
      .set("room_kind", Value.str(r.roomKind))
      .set("role", Value.str(r.role))
      .set("message_ids", Value.strings(r.messageIds)))
    .set("exception", Value.object()
      .set("code", Value.int(e.code))
      .set("kind", Value.str(e.kind))
      .set("event_type", Value.str(e.eventType))
      .set("data", e.data)
      .set("room_id", Value.str(e.roomId))
      .set("module", Value.str(e.module)))
    .set("notify", n.toValue())
    .set("ack", Value.object().set("message_ids", Value.strings(a.messageIds)).set("user_id", Value.int(a.userId)));
}

/** A host error as the probe reports it. */
function err(e: HostError | null): Value {
  const h = <HostError>e;
  return Value.object().set("error", Value.str(h.raw)).set("code", Value.int(h.code()));
}

function plain(r: Result<Value>): Value {
  return r.ok ? <Value>r.value : err(r.error);
}

function none(r: Result<Value>): Value {
  return r.ok ? Value.null() : err(r.error);
}

function member(r: Result<Value>, key: string): Value {
  if (!r.ok) return err(r.error);
  const v = (<Value>r.value).get(key);
  return v === null ? Value.null() : v;
}

/** Calls every import once with the ids of args and returns the results. */
function imports(args: Value): Value {
  const room = stringField(args, "room_id");
  const user = intField(args, "user_id");
  const other = intField(args, "other_id");
  const message = stringField(args, "message_id");
  const r = Value.object();
  r.set("kv_set", none(kvSet("p:1", Value.object().set("n", Value.int(1)))));
  kvSet("p:2", Value.str("two"));
  r.set("kv_get", member(kvGet("p:1"), "value"));
  r.set("kv_list", plain(kvList("p:", 10)));
  r.set("kv_delete", member(kvDelete("p:1"), "deleted"));
  r.set("kv_delete_again", member(kvDelete("p:1"), "deleted"));
  r.set("kv_get_deleted", member(kvGet("p:1"), "value"));

  const u = userGet(user);
  if (u.ok) {
    const uv = <User>u.value;
    r.set("user", Value.object().set("id", Value.int(uv.id)).set("username", Value.str(uv.username)));
  } else r.set("user", err(u.error));

  const m = messageGet(message);
  if (m.ok) {
    const mv = <Message>m.value;
    r.set("message", Value.object().set("id", Value.str(mv.id)).set("room_id", Value.str(mv.roomId)).set("content", Value.str(mv.content)));
  } else r.set("message", err(m.error));

  const rm = roomGet(room);
  if (rm.ok) {
    const rv = <Room>rm.value;
    r.set(
      "room",
      Value.object()
        .set("id", Value.str(rv.id))
        .set("name", Value.str(rv.name))
        .set("kind", Value.str(rv.kind))
        .set("max_members", Value.int(rv.maxMembers)),
    );
  } else r.set("room", err(rm.error));
  const missing = roomGet("no-such-room");
  r.set("room_missing", missing.ok ? Value.null() : err(missing.error));

  r.set("room_property", plain(roomProperty(room)));
  r.set("members_add", member(membersAdd(room, [other], false), "count"));
  const ms = roomMembers(room);
  if (ms.ok) {
    const list = <Member[]>ms.value;
    const items: Value[] = [];
    for (let i = 0; i < list.length; i++) {
      items.push(Value.object().set("user_id", Value.int(list[i].userId)).set("is_admin", Value.bool(list[i].isAdmin)));
    }
    r.set("members", Value.array(items));
  } else r.set("members", err(ms.error));
  r.set("members_remove", member(membersRemove(room, [other]), "count"));

  r.set("render_room", plain(renderRoom(room, "list")));
  r.set("render_user", plain(renderUser(user)));
  r.set("render_message", plain(renderMessage(message)));
  r.set("render_notification", plain(renderNotification("n-1")));
  r.set("emit_user", none(emitUser(user, "probe.user", Value.object().set("x", Value.int(1)))));
  r.set("emit_room", none(emitRoom(room, "probe.room", Value.str("hi"))));
  r.set("log", none(log(Level.Warn, "probe log", Value.object().set("n", Value.int(7)))));
  logKernel(Level.Info, "probe kernel log");
  const greeting = config("greeting");
  r.set("config", greeting === null ? Value.null() : Value.str(greeting));
  const absent = config("missing");
  r.set("config_missing", absent === null ? Value.null() : Value.str(absent));
  varSet("v", "remembered");
  const v = varGet("v");
  r.set("var", v === null ? Value.null() : Value.str(v));
  r.set("lower", Value.str(lower("ÀÉÎ İSTANBUL ΟΔΟΣ")));
  return r;
}

export function _create_message(): i32 {
  return run(probe);
}

/**
 * The JSON reader's test (internal/jsoncheck's contract), exported as probe.
 * Input {"doc": <any JSON>, "paths": ["a.b.0", ...]}; output, for each path,
 * what Value reads there: {"type": n, "raw": <toJSON> | null, "text":
 * <asString> | null, "int": <asI64> | null}. Input Value.parse refuses is an
 * error.
 */
function readPaths(): i32 {
  const r = Value.parse(input());
  const v = r.value;
  if (v === null) {
    setError(r.error);
    return 1;
  }
  const doc = v.get("doc");
  const paths = v.get("paths");
  const found: Value[] = [];
  if (paths !== null) {
    for (let i = 0; i < paths.items.length; i++) found.push(read(doc === null ? null : at(doc, paths.items[i].text)));
  }
  output(Value.array(found).toJSON());
  return 0;
}
export { readPaths as probe };

/** The value at a path of member names and array indices joined by dots. */
function at(doc: Value, path: string): Value | null {
  if (path.length == 0) return doc;
  const segs = path.split(".");
  let v: Value | null = doc;
  for (let i = 0; i < segs.length && v !== null; i++) {
    const seg = segs[i];
    const cur: Value = v;
    if (cur.kind == Kind.Array) {
      // An index is written the one way: no sign, no leading zero.
      const n = I32.parseInt(seg);
      v = n >= 0 && n < cur.items.length && n.toString() == seg ? cur.items[n] : null;
    } else v = cur.get(seg);
  }
  return v;
}

/** What the probe reports of a value found (or not). */
function read(v: Value | null): Value {
  const r = Value.object();
  if (v === null) {
    return r.set("type", Value.int(0)).set("raw", Value.null()).set("text", Value.null()).set("int", Value.null());
  }
  r.set("type", Value.int(<i64>v.kind + 1));
  r.set("raw", Value.str(v.toJSON()));
  const s = v.asString();
  r.set("text", s === null ? Value.null() : Value.str(s));
  // asI64 gives its default for what is not an integer: two defaults tell.
  r.set("int", v.kind == Kind.Number && v.asI64(0) == v.asI64(1) ? Value.int(v.asI64()) : Value.null());
  return r;
}
