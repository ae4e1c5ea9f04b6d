// Typed forms of the payloads of abi/README.md: the call envelope, the
// arguments of create_message, the permission hooks, handle_exception and
// the notification hooks, and what the data imports return.
import { Kind, Parser, Value, boolField, intField, optionalString, stringField } from "./json";

/** The authenticated user an operation runs for; sessionId is 0 outside a connection. */
export class Caller {
  userId: i64 = 0;
  username: string = "";
  sessionId: i64 = 0;

  static from(v: Value | null): Caller {
    const c = new Caller();
    c.userId = intField(v, "user_id");
    c.username = stringField(v, "username");
    c.sessionId = intField(v, "session_id");
    return c;
  }
}

/** The envelope every hook gets. */
export class Call {
  abi: i64 = 0;
  hook: string = "";
  tenant: string = "";
  caller: Caller = new Caller();
  /** The hook's argument, parsed. */
  args: Value = Value.null();
  /** The hook's argument exactly as the host sent it, to pass to next. */
  argsRaw: string = "null";

  /** Parses an envelope; null (and the reason in error) when malformed. */
  static parse(s: string, error: string[]): Call | null {
    const p = new Parser(s);
    const call = new Call();
    p.ws();
    if (!p.expect(0x7b)) {
      error.push(p.error);
      return null;
    }
    p.ws();
    if (p.peek() == 0x7d) return call;
    let more = true;
    while (more && call.member(p, s)) {
      p.ws();
      const c = p.peek();
      p.pos++;
      if (c == 0x7d) return call;
      if (c != 0x2c) {
        p.fail("expected , or }");
        more = false;
      }
    }
    error.push(p.error);
    return null;
  }

  /** Reads one member of the envelope into this; false on a parse error. */
  private member(p: Parser, s: string): bool {
    const key = p.key();
    if (key === null) return false;
    const start = p.pos;
    const v = p.value();
    if (v === null) return false;
    if (key == "abi") this.abi = v.asI64();
    else if (key == "hook") this.hook = v.kind == Kind.String ? v.text : "";
    else if (key == "tenant") this.tenant = v.kind == Kind.String ? v.text : "";
    else if (key == "caller") this.caller = Caller.from(v);
    else if (key == "args") {
      this.args = v;
      this.argsRaw = s.substring(start, p.pos);
    }
    return true;
  }
}

/** The arguments of create_message / _create_message. */
export class CreateMessageArgs {
  roomId: string = "";
  content: string = "";
  parentMessageId: string | null = null;
  forwardedFromId: string | null = null;
  /** The attachments, as sent ([{media_url, media_type, ...}]). */
  media: Value = Value.array([]);
  /** The room as the send check found it: "OneToOneChat", "GroupChat" or
   * "Channel", its members (the sender included) and the sender's role
   * ("creator", "admin", "moderator", "member", "subscriber", "none");
   * empty outside a client's message.send. */
  roomKind: string = "";
  memberCount: i64 = 0;
  senderRole: string = "";

  static from(v: Value): CreateMessageArgs {
    const a = new CreateMessageArgs();
    a.roomId = stringField(v, "room_id");
    a.content = stringField(v, "content");
    a.parentMessageId = optionalString(v, "parent_message_id");
    a.forwardedFromId = optionalString(v, "forwarded_from_id");
    const m = v.get("media");
    if (m !== null) a.media = m;
    a.roomKind = stringField(v, "room_kind");
    a.memberCount = intField(v, "member_count");
    a.senderRole = stringField(v, "sender_role");
    return a;
  }
}

/** The strings of v's array member key. */
function stringList(v: Value | null, key: string): string[] {
  const out: string[] = [];
  if (v === null) return out;
  const a = v.get(key);
  if (a === null || a.kind != Kind.Array) return out;
  for (let i = 0; i < a.items.length; i++) if (a.items[i].kind == Kind.String) out.push(a.items[i].text);
  return out;
}

/** v's member key, or null. */
function member(v: Value, key: string): Value {
  const m = v.get(key);
  return m === null ? Value.null() : m;
}

/** What the host resolved of a permission hook's request: the room, its
 * kind, the caller's role in it, the canonical message ids. */
export class Resolved {
  roomId: string = "";
  roomKind: string = "";
  role: string = "";
  messageIds: string[] = [];
}

/** The arguments of a permission hook; roomId and messageId as the client
 * sent them; resolved is null when the host found nothing. */
export class PermissionArgs {
  roomId: Value = Value.null();
  messageId: Value = Value.null();
  permPhrase: string = "";
  action: string = "";
  data: Value = Value.null();
  resolved: Resolved | null = null;

  static from(v: Value): PermissionArgs {
    const a = new PermissionArgs();
    a.roomId = member(v, "room_id");
    a.messageId = member(v, "message_id");
    a.permPhrase = stringField(v, "perm_phrase");
    a.action = stringField(v, "action");
    a.data = member(v, "data");
    const r = v.get("resolved");
    if (r !== null && r.kind == Kind.Object) {
      const res = new Resolved();
      res.roomId = stringField(r, "room_id");
      res.roomKind = stringField(r, "room_kind");
      res.role = stringField(r, "role");
      res.messageIds = stringList(r, "message_ids");
      a.resolved = res;
    }
    return a;
  }
}

/** The arguments of handle_exception: the error, its kind ("permission",
 * "validation", "not_found", "integrity", "internal", "error",
 * "module_error", "module_fault", "module_busy"), the action and its data,
 * the room where known and the module that raised it ("" for the host). */
export class ExceptionArgs {
  code: i64 = 0;
  detail: Value = Value.null();
  kind: string = "";
  eventType: string = "";
  data: Value = Value.null();
  roomId: string = "";
  module: string = "";

  static from(v: Value): ExceptionArgs {
    const a = new ExceptionArgs();
    a.code = intField(v, "code");
    a.detail = member(v, "detail");
    a.kind = stringField(v, "kind");
    a.eventType = stringField(v, "event_type");
    a.data = member(v, "data");
    a.roomId = stringField(v, "room_id");
    a.module = stringField(v, "module");
    return a;
  }
}

/** The arguments of create_chat_notification: who is notified of a new
 * message or reaction (recipients; null means the room's members but
 * userId) and how (notificationType). It returns the users notified. */
export class CreateNotificationArgs {
  messageId: string = "";
  roomId: string = "";
  notificationType: string = "";
  userId: i64 = 0;
  recipients: i64[] | null = null;

  static from(v: Value): CreateNotificationArgs {
    const a = new CreateNotificationArgs();
    a.messageId = stringField(v, "message_id");
    a.roomId = stringField(v, "room_id");
    a.notificationType = stringField(v, "notification_type");
    a.userId = intField(v, "user_id");
    const r = v.get("recipients");
    if (r !== null && r.kind == Kind.Array) {
      const ids: i64[] = [];
      for (let i = 0; i < r.items.length; i++) ids.push(r.items[i].asI64());
      a.recipients = ids;
    }
    return a;
  }

  /** The arguments as JSON, to pass to next. */
  toValue(): Value {
    let recipients = Value.null();
    const r = this.recipients;
    if (r !== null) {
      const items = new Array<Value>(r.length);
      for (let i = 0; i < r.length; i++) items[i] = Value.int(r[i]);
      recipients = Value.array(items);
    }
    return Value.object()
      .set("message_id", Value.str(this.messageId))
      .set("room_id", Value.str(this.roomId))
      .set("notification_type", Value.str(this.notificationType))
      .set("user_id", Value.int(this.userId))
      .set("recipients", recipients);
  }
}

/** The arguments of update_chat_notification: the messages whose
 * notifications the caller (userId) acknowledged. It returns their ids. */
export class UpdateNotificationArgs {
  messageIds: string[] = [];
  userId: i64 = 0;

  static from(v: Value): UpdateNotificationArgs {
    const a = new UpdateNotificationArgs();
    a.messageIds = stringList(v, "message_ids");
    a.userId = intField(v, "user_id");
    return a;
  }
}

/** A room as room_get returns it. */
export class Room {
  id: string = "";
  kind: string = "";
  name: string = "";
  description: string | null = null;
  avatar: string | null = null;
  /** 0 when the room has no creator. */
  creatorId: i64 = 0;
  maxMembers: i64 = 0;
  isPublic: bool = false;
  joinApprovalRequired: bool = false;
  groupLocked: bool = false;
  preferences: Value = Value.object();
  lastMessageId: string | null = null;
  createdAt: string = "";
  updatedAt: string = "";

  static from(v: Value): Room {
    const r = new Room();
    r.id = stringField(v, "id");
    r.kind = stringField(v, "kind");
    r.name = stringField(v, "name");
    r.description = optionalString(v, "description");
    r.avatar = optionalString(v, "avatar");
    r.creatorId = intField(v, "creator_id");
    r.maxMembers = intField(v, "max_members");
    r.isPublic = boolField(v, "is_public");
    r.joinApprovalRequired = boolField(v, "join_approval_required");
    r.groupLocked = boolField(v, "group_locked");
    const p = v.get("preferences");
    if (p !== null) r.preferences = p;
    r.lastMessageId = optionalString(v, "last_message_id");
    r.createdAt = stringField(v, "created_at");
    r.updatedAt = stringField(v, "updated_at");
    return r;
  }
}

/** A member as room_members returns it. */
export class Member {
  userId: i64 = 0;
  isAdmin: bool = false;

  /** The members of room_members' result. */
  static list(v: Value): Member[] {
    const out = new Array<Member>(v.items.length);
    for (let i = 0; i < v.items.length; i++) {
      const m = new Member();
      m.userId = intField(v.items[i], "user_id");
      m.isAdmin = boolField(v.items[i], "is_admin");
      out[i] = m;
    }
    return out;
  }
}

/** A message as message_get returns it. */
export class Message {
  id: string = "";
  roomId: string = "";
  senderId: i64 = 0;
  content: string = "";
  isDeleted: bool = false;
  isEdited: bool = false;
  isForwarded: bool = false;
  parentMessageId: string | null = null;
  forwardedFromId: string | null = null;
  createdAt: string = "";
  updatedAt: string = "";

  static from(v: Value): Message {
    const m = new Message();
    m.id = stringField(v, "id");
    m.roomId = stringField(v, "room_id");
    m.senderId = intField(v, "sender_id");
    m.content = stringField(v, "content");
    m.isDeleted = boolField(v, "is_deleted");
    m.isEdited = boolField(v, "is_edited");
    m.isForwarded = boolField(v, "is_forwarded");
    m.parentMessageId = optionalString(v, "parent_message_id");
    m.forwardedFromId = optionalString(v, "forwarded_from_id");
    m.createdAt = stringField(v, "created_at");
    m.updatedAt = stringField(v, "updated_at");
    return m;
  }
}

/** A user as user_get returns it. */
export class User {
  id: i64 = 0;
  username: string = "";
  email: string = "";
  firstName: string = "";
  lastName: string = "";

  static from(v: Value): User {
    const u = new User();
    u.id = intField(v, "id");
    u.username = stringField(v, "username");
    u.email = stringField(v, "email");
    u.firstName = stringField(v, "first_name");
    u.lastName = stringField(v, "last_name");
    return u;
  }
}

/** A permission hook's allow. */
export function allow(): Value {
  return Value.object().set("allow", Value.bool(true));
}

/** A permission hook's denial with the error the client gets. */
export function deny(code: i32, detail: Value): Value {
  return Value.object().set("allow", Value.bool(false)).set("code", Value.int(code)).set("detail", detail);
}
