// The host side of a call: the call's input, output and error, kernel
// memory (through @extism/as-pdk), and chatwasm's host imports.
import { Config, Host, LogLevel, Var } from "@extism/as-pdk";
import { Value } from "./json";
import { Member, Message, Room, User } from "./payloads";

// Kernel imports @extism/as-pdk does not re-export.
@external("extism:host/env", "input_length")
declare function kernel_input_length(): u64;
@external("extism:host/env", "length")
declare function kernel_length(off: u64): u64;
@external("extism:host/env", "free")
declare function kernel_free(off: u64): void;

// Bulk copies between the call's input/output/error and linear memory: one
// host call where as-pdk makes one per 8 bytes (and as-pdk's outputString
// takes a string's UTF-16 length for its UTF-8 byte length).
@external("extism:host/user", "chatwasm_input_read")
declare function chatwasm_input_read(dst: usize, len: u32): void;
@external("extism:host/user", "chatwasm_output_write")
declare function chatwasm_output_write(src: usize, len: u32): void;
@external("extism:host/user", "chatwasm_error_write")
declare function chatwasm_error_write(src: usize, len: u32): void;
@external("extism:host/user", "chatwasm_last_error")
declare function chatwasm_last_error(): u64;
@external("extism:host/user", "chatwasm_block_new")
declare function chatwasm_block_new(src: usize, len: u32): u64;
@external("extism:host/user", "chatwasm_block_read")
declare function chatwasm_block_read(off: u64, dst: usize): void;

// chatwasm's host imports: (offset of the JSON request) -> offset of the
// JSON result, 0 when the call failed. Only the ones a module calls end up
// in its imports.
@external("extism:host/user", "next")
declare function host_next(req: u64): u64;
@external("extism:host/user", "room_get")
declare function host_room_get(req: u64): u64;
@external("extism:host/user", "room_property")
declare function host_room_property(req: u64): u64;
@external("extism:host/user", "room_members")
declare function host_room_members(req: u64): u64;
@external("extism:host/user", "members_add")
declare function host_members_add(req: u64): u64;
@external("extism:host/user", "members_remove")
declare function host_members_remove(req: u64): u64;
@external("extism:host/user", "message_get")
declare function host_message_get(req: u64): u64;
@external("extism:host/user", "user_get")
declare function host_user_get(req: u64): u64;
@external("extism:host/user", "render_room")
declare function host_render_room(req: u64): u64;
@external("extism:host/user", "render_message")
declare function host_render_message(req: u64): u64;
@external("extism:host/user", "render_user")
declare function host_render_user(req: u64): u64;
@external("extism:host/user", "render_notification")
declare function host_render_notification(req: u64): u64;
@external("extism:host/user", "kv_get")
declare function host_kv_get(req: u64): u64;
@external("extism:host/user", "kv_set")
declare function host_kv_set(req: u64): u64;
@external("extism:host/user", "kv_delete")
declare function host_kv_delete(req: u64): u64;
@external("extism:host/user", "kv_list")
declare function host_kv_list(req: u64): u64;
@external("extism:host/user", "emit")
declare function host_emit(req: u64): u64;
@external("extism:host/user", "log")
declare function host_log(req: u64): u64;
@external("extism:host/user", "room_messages")
declare function host_room_messages(req: u64): u64;
@external("extism:host/user", "user_rooms")
declare function host_user_rooms(req: u64): u64;
@external("extism:host/user", "message_create")
declare function host_message_create(req: u64): u64;
@external("extism:host/user", "message_modify")
declare function host_message_modify(req: u64): u64;
@external("extism:host/user", "message_react")
declare function host_message_react(req: u64): u64;
@external("extism:host/user", "receipt_create")
declare function host_receipt_create(req: u64): u64;
@external("extism:host/user", "delivery_ack")
declare function host_delivery_ack(req: u64): u64;
@external("extism:host/user", "room_create")
declare function host_room_create(req: u64): u64;
@external("extism:host/user", "room_modify")
declare function host_room_modify(req: u64): u64;
@external("extism:host/user", "session_register")
declare function host_session_register(req: u64): u64;
@external("extism:host/user", "session_update")
declare function host_session_update(req: u64): u64;
@external("extism:host/user", "notification_create")
declare function host_notification_create(req: u64): u64;
@external("extism:host/user", "notification_read")
declare function host_notification_read(req: u64): u64;

/** The call's input (the envelope's JSON). */
export function input(): string {
  const n = <u32>kernel_input_length();
  const buf = new ArrayBuffer(n);
  if (n > 0) chatwasm_input_read(changetype<usize>(buf), n);
  return String.UTF8.decode(buf);
}

/** Sets the call's output. */
export function output(s: string): void {
  const buf = String.UTF8.encode(s);
  chatwasm_output_write(changetype<usize>(buf), buf.byteLength);
}

/** Sets the call's error message; the hook must then return non-zero. */
export function setError(s: string): void {
  const buf = String.UTF8.encode(s);
  chatwasm_error_write(changetype<usize>(buf), buf.byteLength);
}

/** The deployment's config value for key, or null. */
export function config(key: string): string | null {
  return Config.get(key);
}

/**
 * The per-instance variable key, or null. Instances are pooled and replaced
 * at any time: keep anything that matters in the kv store.
 */
export function varGet(key: string): string | null {
  return Var.getString(key);
}

/** Sets the per-instance variable key. */
export function varSet(key: string, value: string): void {
  Var.set(key, Uint8Array.wrap(String.UTF8.encode(value)));
}

/** Log levels, for logKernel and log. */
export enum Level {
  Debug,
  Info,
  Warn,
  Error,
}

const LEVEL_NAMES = ["debug", "info", "warn", "error"];

/** Logs msg through the Extism kernel (no capability needed). */
export function logKernel(level: Level, msg: string): void {
  let l = LogLevel.Info;
  if (level == Level.Debug) l = LogLevel.Debug;
  else if (level == Level.Warn) l = LogLevel.Warn;
  else if (level == Level.Error) l = LogLevel.Error;
  Host.log(l, msg);
}

/** Returns a copy of the kernel block at off as a string (one host call). */
function readBlock(off: u64): string {
  if (off == 0) return "";
  const n = <i32>kernel_length(off);
  const buf = new ArrayBuffer(n);
  if (n > 0) chatwasm_block_read(off, changetype<usize>(buf));
  kernel_free(off);
  return String.UTF8.decode(buf);
}

/** Copies s (UTF-8) into a new kernel block (one host call); 0 for the
 * empty string. The caller frees it. */
function writeBlock(s: string): u64 {
  const bytes = String.UTF8.encode(s);
  if (bytes.byteLength == 0) return 0;
  return chatwasm_block_new(changetype<usize>(bytes), <u32>bytes.byteLength);
}

/**
 * A failed host import: the text of chatwasm_last_error, the JSON of an
 * error frame for the import's own failures, plain text when the host
 * refused the call. Response.error passes it on unchanged.
 */
export class HostError {
  constructor(public raw: string) {}

  /** The error frame's code, or 0 when the error is not one. */
  code(): i64 {
    const r = Value.parse(this.raw);
    if (r.value === null) return 0;
    const c = (<Value>r.value).get("code");
    return c === null ? 0 : c.asI64();
  }
}

/** A host import's result: a value, or the error it failed with. */
export class Result<T> {
  constructor(
    public value: T | null,
    public error: HostError | null,
  ) {}

  get ok(): bool {
    return this.error === null;
  }
}

/** Calls the import f with a JSON request and returns its JSON result. */
function callRaw(f: (req: u64) => u64, req: string): Result<string> {
  const reqOff = writeBlock(req);
  const off = f(reqOff);
  if (reqOff != 0) kernel_free(reqOff);
  if (off == 0) return new Result<string>(null, new HostError(readBlock(chatwasm_last_error())));
  return new Result<string>(readBlock(off), null);
}

function callValue(f: (req: u64) => u64, req: Value): Result<Value> {
  const r = callRaw(f, req.toJSON());
  if (!r.ok) return new Result<Value>(null, r.error);
  const p = Value.parse(<string>r.value);
  if (p.value === null) return new Result<Value>(null, new HostError("invalid JSON from the host: " + p.error));
  return new Result<Value>(p.value, null);
}

function ref(key: string, id: string): Value {
  return Value.object().set(key, Value.str(id));
}

/**
 * Runs the rest of the chain (the reference's super()) with args and
 * returns its output (JSON); its error comes back as a HostError.
 */
export function next(args: string): Result<string> {
  return callRaw(host_next, args);
}

/**
 * Calls the import name that has no function of its own here (the reads a
 * replacement needs and the write imports: abi/README.md, "Replacing an
 * operation entirely") with a JSON request and returns its JSON result.
 */
export function callImport(name: string, req: string): Result<string> {
  if (name == "room_messages") return callRaw(host_room_messages, req);
  if (name == "user_rooms") return callRaw(host_user_rooms, req);
  if (name == "message_create") return callRaw(host_message_create, req);
  if (name == "message_modify") return callRaw(host_message_modify, req);
  if (name == "message_react") return callRaw(host_message_react, req);
  if (name == "receipt_create") return callRaw(host_receipt_create, req);
  if (name == "delivery_ack") return callRaw(host_delivery_ack, req);
  if (name == "room_create") return callRaw(host_room_create, req);
  if (name == "room_modify") return callRaw(host_room_modify, req);
  if (name == "session_register") return callRaw(host_session_register, req);
  if (name == "session_update") return callRaw(host_session_update, req);
  if (name == "notification_create") return callRaw(host_notification_create, req);
  if (name == "notification_read") return callRaw(host_notification_read, req);
  return new Result<string>(null, new HostError("chatwasm: unknown import " + name));
}

/** room_get (rooms.read): the Room. */
export function roomGet(roomId: string): Result<Room> {
  const r = callValue(host_room_get, ref("room_id", roomId));
  return new Result<Room>(r.ok ? Room.from(<Value>r.value) : null, r.error);
}

/** room_property (rooms.read): {"preferences": {...}}. */
export function roomProperty(roomId: string): Result<Value> {
  return callValue(host_room_property, ref("room_id", roomId));
}

/** room_members (members.read): the members by user id. */
export function roomMembers(roomId: string): Result<Member[]> {
  const r = callValue(host_room_members, ref("room_id", roomId));
  return new Result<Member[]>(r.ok ? Member.list(<Value>r.value) : null, r.error);
}

function ids(list: i64[]): Value {
  const items = new Array<Value>(list.length);
  for (let i = 0; i < list.length; i++) items[i] = Value.int(list[i]);
  return Value.array(items);
}

/** members_add (members.write, replace layer): {"count": n}. */
export function membersAdd(roomId: string, userIds: i64[], admin: bool): Result<Value> {
  return callValue(host_members_add, ref("room_id", roomId).set("user_ids", ids(userIds)).set("admin", Value.bool(admin)));
}

/** members_remove (members.write, replace layer): {"count": n}. */
export function membersRemove(roomId: string, userIds: i64[]): Result<Value> {
  return callValue(host_members_remove, ref("room_id", roomId).set("user_ids", ids(userIds)));
}

/** message_get (messages.read): the Message. */
export function messageGet(messageId: string): Result<Message> {
  const r = callValue(host_message_get, ref("message_id", messageId));
  return new Result<Message>(r.ok ? Message.from(<Value>r.value) : null, r.error);
}

/** user_get (users.read): the User. */
export function userGet(userId: i64): Result<User> {
  const r = callValue(host_user_get, Value.object().set("user_id", Value.int(userId)));
  return new Result<User>(r.ok ? User.from(<Value>r.value) : null, r.error);
}

/** render_room (rooms.read): the room as clients see it; form "detail" or "list". */
export function renderRoom(roomId: string, form: string): Result<Value> {
  return callValue(host_render_room, ref("room_id", roomId).set("form", Value.str(form)));
}

/** render_message (messages.read): the message as clients see it. */
export function renderMessage(messageId: string): Result<Value> {
  return callValue(host_render_message, ref("message_id", messageId));
}

/** render_user (users.read): the user as clients see it. */
export function renderUser(userId: i64): Result<Value> {
  return callValue(host_render_user, Value.object().set("user_id", Value.int(userId)));
}

/** render_notification (messages.read): the notification as clients see it. */
export function renderNotification(notificationId: string): Result<Value> {
  return callValue(host_render_notification, ref("notification_id", notificationId));
}

/** kv_get (kv): {"value": <json or null>}. */
export function kvGet(key: string): Result<Value> {
  return callValue(host_kv_get, ref("key", key));
}

/** kv_set (kv): stores value under key. */
export function kvSet(key: string, value: Value): Result<Value> {
  return callValue(host_kv_set, ref("key", key).set("value", value));
}

/** kv_delete (kv): {"deleted": bool}. */
export function kvDelete(key: string): Result<Value> {
  return callValue(host_kv_delete, ref("key", key));
}

/** kv_list (kv): [{"key", "value"}] for keys starting with prefix, in key order. */
export function kvList(prefix: string, limit: i32): Result<Value> {
  return callValue(host_kv_list, ref("key", prefix).set("limit", Value.int(limit)));
}

/** emit (events.emit) to every member of a room, after the operation commits. */
export function emitRoom(roomId: string, eventType: string, data: Value): Result<Value> {
  return emit(Value.object().set("to", Value.str("room")).set("room_id", Value.str(roomId)), eventType, data);
}

/** emit (events.emit) to every connection of a user, after the operation commits. */
export function emitUser(userId: i64, eventType: string, data: Value): Result<Value> {
  return emit(Value.object().set("to", Value.str("user")).set("user_id", Value.int(userId)), eventType, data);
}

/** emit with to, the event's recipients ({"to", "room_id" | "user_id"}). */
function emit(to: Value, eventType: string, data: Value): Result<Value> {
  return callValue(host_emit, to.set("event_type", Value.str(eventType)).set("data", data));
}

/** log (capability log): a structured log line; attrs is an object. */
export function log(level: Level, message: string, attrs: Value): Result<Value> {
  const req = Value.object()
    .set("level", Value.str(LEVEL_NAMES[level]))
    .set("message", Value.str(message))
    .set("attrs", attrs);
  return callValue(host_log, req);
}
