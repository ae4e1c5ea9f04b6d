// Typed forms of the payloads of abi/README.md: the call envelope, the
// arguments of create_message, and what the data imports return.
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

  static from(v: Value): CreateMessageArgs {
    const a = new CreateMessageArgs();
    a.roomId = stringField(v, "room_id");
    a.content = stringField(v, "content");
    a.parentMessageId = optionalString(v, "parent_message_id");
    a.forwardedFromId = optionalString(v, "forwarded_from_id");
    const m = v.get("media");
    if (m !== null) a.media = m;
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
