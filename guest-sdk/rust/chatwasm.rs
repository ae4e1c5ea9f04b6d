//! chatwasm guest SDK for Rust: write chatwasm modules (Extism plug-ins, see
//! `abi/README.md`) in Rust with no crates at all.
//!
//! Include this file as a module of a `cdylib` built for
//! `wasm32-unknown-unknown`:
//!
//! ```ignore
//! #[path = "../../../guest-sdk/rust/chatwasm.rs"]
//! mod chatwasm;
//!
//! #[export_name = "_create_message"]
//! pub extern "C" fn create_message() -> i32 {
//!     chatwasm::run(|call| Ok(chatwasm::next(&call.args_raw)?))
//! }
//! ```
//!
//! Including it exports the ABI marker `chatwasm_abi_v1`. A hook is an
//! exported `extern "C" fn() -> i32` whose body is [`run`]: it reads the
//! call envelope, runs the closure, and writes its output or its error.
//! Written for rustc 1.63 (Debian's), so it avoids newer language features.
#![allow(dead_code)]

use std::fmt::Write as _;

/// The raw imports. The kernel ones (`extism:host/env`) are exactly those of
/// the Extism runtime; the chatwasm ones (`extism:host/user`) are listed in
/// `abi/README.md`. Only the imports a module actually calls end up in its
/// import section, so a module links against any chatwasm host.
pub mod sys {
    #[link(wasm_import_module = "extism:host/env")]
    extern "C" {
        pub fn alloc(n: u64) -> u64;
        pub fn free(off: u64);
        pub fn length(off: u64) -> u64;
        pub fn load_u8(off: u64) -> u8;
        pub fn load_u64(off: u64) -> u64;
        pub fn store_u8(off: u64, v: u8);
        pub fn store_u64(off: u64, v: u64);
        pub fn input_length() -> u64;
        pub fn config_get(key: u64) -> u64;
        pub fn var_get(key: u64) -> u64;
        pub fn var_set(key: u64, val: u64);
        pub fn log_debug(msg: u64);
        pub fn log_info(msg: u64);
        pub fn log_warn(msg: u64);
        pub fn log_error(msg: u64);
    }

    #[link(wasm_import_module = "extism:host/user")]
    extern "C" {
        // Bulk copies between the call's input/output/error and linear
        // memory: one host call instead of one per 8 bytes.
        pub fn chatwasm_input_read(dst: *mut u8, len: u32);
        pub fn chatwasm_output_write(src: *const u8, len: u32);
        pub fn chatwasm_error_write(src: *const u8, len: u32);
        pub fn chatwasm_last_error() -> u64;
        pub fn chatwasm_block_new(src: *const u8, len: u32) -> u64;
        pub fn chatwasm_block_read(off: u64, dst: *mut u8);

        pub fn next(req: u64) -> u64;
        pub fn room_get(req: u64) -> u64;
        pub fn room_property(req: u64) -> u64;
        pub fn room_members(req: u64) -> u64;
        pub fn members_add(req: u64) -> u64;
        pub fn members_remove(req: u64) -> u64;
        pub fn message_get(req: u64) -> u64;
        pub fn user_get(req: u64) -> u64;
        pub fn render_room(req: u64) -> u64;
        pub fn render_message(req: u64) -> u64;
        pub fn render_user(req: u64) -> u64;
        pub fn render_notification(req: u64) -> u64;
        pub fn kv_get(req: u64) -> u64;
        pub fn kv_set(req: u64) -> u64;
        pub fn kv_delete(req: u64) -> u64;
        pub fn kv_list(req: u64) -> u64;
        pub fn emit(req: u64) -> u64;
        pub fn log(req: u64) -> u64;
        // The reads a replacement needs and the write imports (abi/README.md,
        // "Replacing an operation entirely"): call them with call_import.
        pub fn room_messages(req: u64) -> u64;
        pub fn user_rooms(req: u64) -> u64;
        pub fn message_create(req: u64) -> u64;
        pub fn message_modify(req: u64) -> u64;
        pub fn message_react(req: u64) -> u64;
        pub fn receipt_create(req: u64) -> u64;
        pub fn delivery_ack(req: u64) -> u64;
        pub fn room_create(req: u64) -> u64;
        pub fn room_modify(req: u64) -> u64;
        pub fn session_register(req: u64) -> u64;
        pub fn session_update(req: u64) -> u64;
        pub fn notification_create(req: u64) -> u64;
        pub fn notification_read(req: u64) -> u64;
    }
}

/// The ABI version marker the host checks when it loads the module.
#[no_mangle]
pub extern "C" fn chatwasm_abi_v1() {}

// ---------------------------------------------------------------------------
// Kernel memory and the call's input, output and error.

/// Returns a copy of the kernel block at `off` (empty for 0), in one host
/// call (the kernel's `load_u64` takes one per 8 bytes).
pub fn read_block(off: u64) -> Vec<u8> {
    if off == 0 {
        return Vec::new();
    }
    let n = unsafe { sys::length(off) } as usize;
    let mut buf = vec![0u8; n];
    if n > 0 {
        unsafe { sys::chatwasm_block_read(off, buf.as_mut_ptr()) };
    }
    buf
}

/// Copies `data` into a new kernel block, in one host call, and returns its
/// offset (0 for empty data). The caller frees it.
pub fn write_block(data: &[u8]) -> u64 {
    if data.is_empty() {
        return 0;
    }
    unsafe { sys::chatwasm_block_new(data.as_ptr(), data.len() as u32) }
}

/// Returns the call's input (the envelope's JSON).
pub fn input() -> Vec<u8> {
    let n = unsafe { sys::input_length() } as usize;
    let mut buf = vec![0u8; n];
    if n > 0 {
        unsafe { sys::chatwasm_input_read(buf.as_mut_ptr(), n as u32) };
    }
    buf
}

/// Sets the call's output.
pub fn output(data: &[u8]) {
    unsafe { sys::chatwasm_output_write(data.as_ptr(), data.len() as u32) };
}

/// Sets the call's error message; the hook must then return non-zero.
pub fn set_error(msg: &[u8]) {
    unsafe { sys::chatwasm_error_write(msg.as_ptr(), msg.len() as u32) };
}

/// Returns the deployment's config value for `key`, if set.
pub fn config(key: &str) -> Option<String> {
    let k = write_block(key.as_bytes());
    let off = unsafe { sys::config_get(k) };
    unsafe { sys::free(k) };
    if off == 0 {
        return None;
    }
    let v = read_block(off);
    unsafe { sys::free(off) };
    Some(String::from_utf8_lossy(&v).into_owned())
}

/// Returns the per-instance variable `key`, if set. Instances are pooled
/// and replaced at any time: keep anything that matters in the kv store.
pub fn var_get(key: &str) -> Option<Vec<u8>> {
    let k = write_block(key.as_bytes());
    let off = unsafe { sys::var_get(k) };
    unsafe { sys::free(k) };
    if off == 0 {
        return None;
    }
    let v = read_block(off);
    unsafe { sys::free(off) };
    Some(v)
}

/// Sets (or, with `None`, removes) the per-instance variable `key`.
pub fn var_set(key: &str, value: Option<&[u8]>) {
    let k = write_block(key.as_bytes());
    let v = value.map(write_block).unwrap_or(0);
    unsafe { sys::var_set(k, v) };
    unsafe { sys::free(k) };
    if v != 0 {
        unsafe { sys::free(v) };
    }
}

/// Log levels, for [`log_kernel`] and [`log`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Logs `msg` through the Extism kernel (no capability needed; the host
/// adds the module's name).
pub fn log_kernel(level: Level, msg: &str) {
    let m = write_block(msg.as_bytes());
    unsafe {
        match level {
            Level::Debug => sys::log_debug(m),
            Level::Info => sys::log_info(m),
            Level::Warn => sys::log_warn(m),
            Level::Error => sys::log_error(m),
        }
        sys::free(m);
    }
}

// ---------------------------------------------------------------------------
// Host imports.

/// A failed host import: the text of `chatwasm_last_error`, the JSON of an
/// error frame for the import's own failures, plain text when the host
/// refused the call. Returning it from a hook (`?`) passes it on unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct HostError {
    pub raw: Vec<u8>,
}

impl HostError {
    /// The error frame's code, when the error is one.
    pub fn code(&self) -> Option<i64> {
        Value::parse(&self.raw).ok().and_then(|v| v.get("code").and_then(Value::as_i64))
    }

    /// The error as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
}

/// The signature of every chatwasm import.
pub type Import = unsafe extern "C" fn(u64) -> u64;

/// Calls a chatwasm import with a JSON request and returns its JSON result.
pub fn call_import(f: Import, req: &[u8]) -> Result<Vec<u8>, HostError> {
    let r = write_block(req);
    let off = unsafe { f(r) };
    if r != 0 {
        unsafe { sys::free(r) };
    }
    if off == 0 {
        let e = unsafe { sys::chatwasm_last_error() };
        let raw = read_block(e);
        if e != 0 {
            unsafe { sys::free(e) };
        }
        return Err(HostError { raw });
    }
    let out = read_block(off);
    unsafe { sys::free(off) };
    Ok(out)
}

fn call_value(f: Import, req: &Value) -> Result<Value, HostError> {
    let out = call_import(f, req.to_json().as_bytes())?;
    Value::parse(&out).map_err(|e| HostError { raw: format!("invalid JSON from the host: {}", e).into_bytes() })
}

/// Runs the rest of the chain (the reference's `super()`) with `args` and
/// returns its output; its error comes back as a HostError to pass on.
pub fn next(args: &[u8]) -> Result<Vec<u8>, HostError> {
    call_import(sys::next, args)
}

/// `room_get` (capability rooms.read): the Room.
pub fn room_get(room_id: &str) -> Result<Room, HostError> {
    call_value(sys::room_get, &obj(vec![("room_id", Value::from(room_id))])).map(Room::from_value)
}

/// `room_property` (rooms.read): `{"preferences": {...}}`.
pub fn room_property(room_id: &str) -> Result<Value, HostError> {
    call_value(sys::room_property, &obj(vec![("room_id", Value::from(room_id))]))
}

/// `room_members` (members.read): the members by user id.
pub fn room_members(room_id: &str) -> Result<Vec<Member>, HostError> {
    let v = call_value(sys::room_members, &obj(vec![("room_id", Value::from(room_id))]))?;
    Ok(v.as_array().unwrap_or(&[]).iter().map(Member::from_value).collect())
}

/// `members_add` (members.write, replace layer): the member count after.
pub fn members_add(room_id: &str, user_ids: &[i64], admin: bool) -> Result<i64, HostError> {
    let ids = Value::Array(user_ids.iter().map(|&id| Value::from(id)).collect());
    let req = obj(vec![("room_id", Value::from(room_id)), ("user_ids", ids), ("admin", Value::Bool(admin))]);
    let v = call_value(sys::members_add, &req)?;
    Ok(v.get("count").and_then(Value::as_i64).unwrap_or(0))
}

/// `members_remove` (members.write, replace layer): the member count after.
pub fn members_remove(room_id: &str, user_ids: &[i64]) -> Result<i64, HostError> {
    let ids = Value::Array(user_ids.iter().map(|&id| Value::from(id)).collect());
    let v = call_value(sys::members_remove, &obj(vec![("room_id", Value::from(room_id)), ("user_ids", ids)]))?;
    Ok(v.get("count").and_then(Value::as_i64).unwrap_or(0))
}

/// `message_get` (messages.read): the Message.
pub fn message_get(message_id: &str) -> Result<Message, HostError> {
    call_value(sys::message_get, &obj(vec![("message_id", Value::from(message_id))])).map(Message::from_value)
}

/// `user_get` (users.read): the User.
pub fn user_get(user_id: i64) -> Result<User, HostError> {
    call_value(sys::user_get, &obj(vec![("user_id", Value::from(user_id))])).map(User::from_value)
}

/// `render_room` (rooms.read): the room as clients see it; form is
/// "detail" or "list".
pub fn render_room(room_id: &str, form: &str) -> Result<Value, HostError> {
    call_value(sys::render_room, &obj(vec![("room_id", Value::from(room_id)), ("form", Value::from(form))]))
}

/// `render_message` (messages.read): the message as clients see it.
pub fn render_message(message_id: &str) -> Result<Value, HostError> {
    call_value(sys::render_message, &obj(vec![("message_id", Value::from(message_id))]))
}

/// `render_user` (users.read): the user as clients see it.
pub fn render_user(user_id: i64) -> Result<Value, HostError> {
    call_value(sys::render_user, &obj(vec![("user_id", Value::from(user_id))]))
}

/// `render_notification` (messages.read): the notification as clients see it.
pub fn render_notification(notification_id: &str) -> Result<Value, HostError> {
    call_value(sys::render_notification, &obj(vec![("notification_id", Value::from(notification_id))]))
}

/// `kv_get` (kv): the value stored under key, `Value::Null` when none.
pub fn kv_get(key: &str) -> Result<Value, HostError> {
    let v = call_value(sys::kv_get, &obj(vec![("key", Value::from(key))]))?;
    Ok(v.get("value").cloned().unwrap_or(Value::Null))
}

/// `kv_set` (kv): stores value under key.
pub fn kv_set(key: &str, value: Value) -> Result<(), HostError> {
    call_value(sys::kv_set, &obj(vec![("key", Value::from(key)), ("value", value)])).map(|_| ())
}

/// `kv_delete` (kv): whether the key existed.
pub fn kv_delete(key: &str) -> Result<bool, HostError> {
    let v = call_value(sys::kv_delete, &obj(vec![("key", Value::from(key))]))?;
    Ok(v.get("deleted").and_then(Value::as_bool).unwrap_or(false))
}

/// `kv_list` (kv): up to limit entries whose key starts with prefix, in key
/// order.
pub fn kv_list(prefix: &str, limit: i64) -> Result<Vec<(String, Value)>, HostError> {
    let v = call_value(sys::kv_list, &obj(vec![("key", Value::from(prefix)), ("limit", Value::from(limit))]))?;
    Ok(v.as_array()
        .unwrap_or(&[])
        .iter()
        .map(|e| {
            let k = e.get("key").and_then(Value::as_str).unwrap_or("").to_string();
            (k, e.get("value").cloned().unwrap_or(Value::Null))
        })
        .collect())
}

/// `emit` (events.emit) to every member of a room, after the operation
/// commits.
pub fn emit_room(room_id: &str, event_type: &str, data: Value) -> Result<(), HostError> {
    let req = obj(vec![
        ("to", Value::from("room")),
        ("room_id", Value::from(room_id)),
        ("event_type", Value::from(event_type)),
        ("data", data),
    ]);
    call_value(sys::emit, &req).map(|_| ())
}

/// `emit` (events.emit) to every connection of a user, after the operation
/// commits.
pub fn emit_user(user_id: i64, event_type: &str, data: Value) -> Result<(), HostError> {
    let req = obj(vec![
        ("to", Value::from("user")),
        ("user_id", Value::from(user_id)),
        ("event_type", Value::from(event_type)),
        ("data", data),
    ]);
    call_value(sys::emit, &req).map(|_| ())
}

/// `log` (capability log): a structured log line with attributes.
pub fn log(level: Level, message: &str, attrs: Vec<(&str, Value)>) -> Result<(), HostError> {
    let req = obj(vec![
        ("level", Value::from(level.name())),
        ("message", Value::from(message)),
        ("attrs", obj(attrs)),
    ]);
    call_value(sys::log, &req).map(|_| ())
}

/// Lower-cases s the way Go's strings.ToLower does, so that modules agree
/// with the Go ones: one character for one (Unicode's simple mapping),
/// where `str::to_lowercase` makes 'İ' two characters and a word-final 'Σ'
/// a 'ς'.
pub fn lower(s: &str) -> String {
    s.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect()
}

// ---------------------------------------------------------------------------
// Payloads.

/// The authenticated user an operation runs for; session_id is 0 outside a
/// connection.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub session_id: i64,
}

/// The call envelope every hook gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub abi: i64,
    pub hook: String,
    pub tenant: String,
    pub caller: Caller,
    /// The hook's argument, parsed.
    pub args: Value,
    /// The hook's argument exactly as the host sent it, to pass to next.
    pub args_raw: Vec<u8>,
}

impl Call {
    /// Parses an envelope.
    pub fn parse(input: &[u8]) -> Result<Call, String> {
        let mut p = Parser { b: input, pos: 0, depth: 0 };
        let mut call = Call {
            abi: 0,
            hook: String::new(),
            tenant: String::new(),
            caller: Caller::default(),
            args: Value::Null,
            args_raw: b"null".to_vec(),
        };
        p.ws();
        p.expect(b'{')?;
        p.ws();
        if p.peek() == Some(b'}') {
            return Ok(call);
        }
        loop {
            p.ws();
            let key = p.string()?;
            p.ws();
            p.expect(b':')?;
            p.ws();
            let start = p.pos;
            let v = p.value()?;
            match key.as_str() {
                "abi" => call.abi = v.as_i64().unwrap_or(0),
                "hook" => call.hook = v.as_str().unwrap_or("").to_string(),
                "tenant" => call.tenant = v.as_str().unwrap_or("").to_string(),
                "caller" => {
                    call.caller = Caller {
                        user_id: v.get("user_id").and_then(Value::as_i64).unwrap_or(0),
                        username: v.get("username").and_then(Value::as_str).unwrap_or("").to_string(),
                        session_id: v.get("session_id").and_then(Value::as_i64).unwrap_or(0),
                    }
                }
                "args" => {
                    call.args_raw = input[start..p.pos].to_vec();
                    call.args = v;
                }
                _ => {}
            }
            p.ws();
            match p.next_byte() {
                Some(b',') => continue,
                Some(b'}') => return Ok(call),
                _ => return Err(p.err("expected , or }")),
            }
        }
    }
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn int_field(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn opt_str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn bool_field(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// A room as `room_get` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Room {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub description: Option<String>,
    pub avatar: Option<String>,
    pub creator_id: Option<i64>,
    pub max_members: i64,
    pub is_public: bool,
    pub join_approval_required: bool,
    pub group_locked: bool,
    pub preferences: Value,
    pub last_message_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Room {
    /// Reads a Room from its JSON.
    pub fn from_value(v: Value) -> Room {
        Room {
            id: str_field(&v, "id"),
            kind: str_field(&v, "kind"),
            name: str_field(&v, "name"),
            description: opt_str_field(&v, "description"),
            avatar: opt_str_field(&v, "avatar"),
            creator_id: v.get("creator_id").and_then(Value::as_i64),
            max_members: int_field(&v, "max_members"),
            is_public: bool_field(&v, "is_public"),
            join_approval_required: bool_field(&v, "join_approval_required"),
            group_locked: bool_field(&v, "group_locked"),
            preferences: v.get("preferences").cloned().unwrap_or(Value::Null),
            last_message_id: opt_str_field(&v, "last_message_id"),
            created_at: str_field(&v, "created_at"),
            updated_at: str_field(&v, "updated_at"),
        }
    }
}

/// A member as `room_members` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub user_id: i64,
    pub is_admin: bool,
}

impl Member {
    /// Reads a Member from its JSON.
    pub fn from_value(v: &Value) -> Member {
        Member { user_id: int_field(v, "user_id"), is_admin: bool_field(v, "is_admin") }
    }
}

/// A message as `message_get` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: String,
    pub room_id: String,
    pub sender_id: i64,
    pub content: String,
    pub is_deleted: bool,
    pub is_edited: bool,
    pub is_forwarded: bool,
    pub parent_message_id: Option<String>,
    pub forwarded_from_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Message {
    /// Reads a Message from its JSON.
    pub fn from_value(v: Value) -> Message {
        Message {
            id: str_field(&v, "id"),
            room_id: str_field(&v, "room_id"),
            sender_id: int_field(&v, "sender_id"),
            content: str_field(&v, "content"),
            is_deleted: bool_field(&v, "is_deleted"),
            is_edited: bool_field(&v, "is_edited"),
            is_forwarded: bool_field(&v, "is_forwarded"),
            parent_message_id: opt_str_field(&v, "parent_message_id"),
            forwarded_from_id: opt_str_field(&v, "forwarded_from_id"),
            created_at: str_field(&v, "created_at"),
            updated_at: str_field(&v, "updated_at"),
        }
    }
}

/// A user as `user_get` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

impl User {
    /// Reads a User from its JSON.
    pub fn from_value(v: Value) -> User {
        User {
            id: int_field(&v, "id"),
            username: str_field(&v, "username"),
            email: str_field(&v, "email"),
            first_name: str_field(&v, "first_name"),
            last_name: str_field(&v, "last_name"),
        }
    }
}

fn str_list(v: &Value, key: &str) -> Vec<String> {
    v.get(key).and_then(Value::as_array).unwrap_or(&[]).iter().filter_map(Value::as_str).map(str::to_string).collect()
}

fn field(v: &Value, key: &str) -> Value {
    v.get(key).cloned().unwrap_or(Value::Null)
}

/// The arguments of `create_message` / `_create_message`. `room_kind`,
/// `member_count` and `sender_role` (`"creator"`, `"admin"`, `"moderator"`,
/// `"member"`, `"subscriber"`, `"none"`) describe the room as the send
/// check found it; they are empty outside a client's `message.send`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateMessageArgs {
    pub room_id: String,
    pub content: String,
    pub parent_message_id: Option<String>,
    pub forwarded_from_id: Option<String>,
    /// The attachments, as sent (`[{media_url, media_type, ...}]`).
    pub media: Value,
    pub room_kind: String,
    pub member_count: i64,
    pub sender_role: String,
}

impl CreateMessageArgs {
    /// Reads the arguments from their JSON (`call.args`).
    pub fn from_value(v: &Value) -> CreateMessageArgs {
        CreateMessageArgs {
            room_id: str_field(v, "room_id"),
            content: str_field(v, "content"),
            parent_message_id: opt_str_field(v, "parent_message_id"),
            forwarded_from_id: opt_str_field(v, "forwarded_from_id"),
            media: field(v, "media"),
            room_kind: str_field(v, "room_kind"),
            member_count: int_field(v, "member_count"),
            sender_role: str_field(v, "sender_role"),
        }
    }
}

/// What the host resolved of a permission hook's request: the room, its
/// kind, the caller's role in it, the canonical message ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    pub room_id: String,
    pub room_kind: String,
    pub role: String,
    pub message_ids: Vec<String>,
}

/// The arguments of a permission hook. `room_id` and `message_id` are as
/// the client sent them; `resolved` is `None` when the host found nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct PermissionArgs {
    pub room_id: Value,
    pub message_id: Value,
    pub perm_phrase: String,
    pub action: String,
    pub data: Value,
    pub resolved: Option<Resolved>,
}

impl PermissionArgs {
    /// Reads the arguments from their JSON (`call.args`).
    pub fn from_value(v: &Value) -> PermissionArgs {
        PermissionArgs {
            room_id: field(v, "room_id"),
            message_id: field(v, "message_id"),
            perm_phrase: str_field(v, "perm_phrase"),
            action: str_field(v, "action"),
            data: field(v, "data"),
            resolved: v.get("resolved").filter(|r| matches!(r, Value::Object(_))).map(|r| Resolved {
                room_id: str_field(r, "room_id"),
                room_kind: str_field(r, "room_kind"),
                role: str_field(r, "role"),
                message_ids: str_list(r, "message_ids"),
            }),
        }
    }
}

/// The arguments of `handle_exception`: the error, its `kind`
/// (`"permission"`, `"validation"`, `"not_found"`, `"integrity"`,
/// `"internal"`, `"error"`, `"module_error"`, `"module_fault"`,
/// `"module_busy"`), the action and its data, the room where known and the
/// module that raised it (empty for the host's own errors).
#[derive(Clone, Debug, PartialEq)]
pub struct ExceptionArgs {
    pub code: i64,
    pub detail: Value,
    pub kind: String,
    pub event_type: String,
    pub data: Value,
    pub room_id: String,
    pub module: String,
}

impl ExceptionArgs {
    /// Reads the arguments from their JSON (`call.args`).
    pub fn from_value(v: &Value) -> ExceptionArgs {
        ExceptionArgs {
            code: int_field(v, "code"),
            detail: field(v, "detail"),
            kind: str_field(v, "kind"),
            event_type: str_field(v, "event_type"),
            data: field(v, "data"),
            room_id: str_field(v, "room_id"),
            module: str_field(v, "module"),
        }
    }
}

/// The arguments of `create_chat_notification`: who is notified of a new
/// message or reaction (`recipients`; `None` for null, the room's members
/// but `user_id`), and how (`notification_type`). It returns the users
/// notified.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateNotificationArgs {
    pub message_id: String,
    pub room_id: String,
    pub notification_type: String,
    pub user_id: i64,
    pub recipients: Option<Vec<i64>>,
}

impl CreateNotificationArgs {
    /// Reads the arguments from their JSON (`call.args`).
    pub fn from_value(v: &Value) -> CreateNotificationArgs {
        CreateNotificationArgs {
            message_id: str_field(v, "message_id"),
            room_id: str_field(v, "room_id"),
            notification_type: str_field(v, "notification_type"),
            user_id: int_field(v, "user_id"),
            recipients: v.get("recipients").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_i64).collect()),
        }
    }

    /// The arguments as JSON, to pass to `next`.
    pub fn to_value(&self) -> Value {
        obj(vec![
            ("message_id", Value::from(self.message_id.as_str())),
            ("room_id", Value::from(self.room_id.as_str())),
            ("notification_type", Value::from(self.notification_type.as_str())),
            ("user_id", Value::from(self.user_id)),
            (
                "recipients",
                match &self.recipients {
                    Some(r) => Value::Array(r.iter().map(|&id| Value::from(id)).collect()),
                    None => Value::Null,
                },
            ),
        ])
    }
}

/// The arguments of `update_chat_notification`: the messages whose
/// notifications the caller (`user_id`) acknowledged. It returns their ids.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateNotificationArgs {
    pub message_ids: Vec<String>,
    pub user_id: i64,
}

impl UpdateNotificationArgs {
    /// Reads the arguments from their JSON (`call.args`).
    pub fn from_value(v: &Value) -> UpdateNotificationArgs {
        UpdateNotificationArgs { message_ids: str_list(v, "message_ids"), user_id: int_field(v, "user_id") }
    }
}

/// A permission hook's answer.
pub fn allow() -> Value {
    obj(vec![("allow", Value::Bool(true))])
}

/// A permission hook's denial with the error the client gets.
pub fn deny(code: i64, detail: Value) -> Value {
    obj(vec![("allow", Value::Bool(false)), ("code", Value::from(code)), ("detail", detail)])
}

// ---------------------------------------------------------------------------
// Errors and the hook runner.

/// Error codes of the reference (docs/protocol.md §3).
pub const PERMISSION: i64 = 4002;
pub const VALIDATION: i64 = 4003;
pub const NOT_FOUND: i64 = 4004;
pub const INTEGRITY: i64 = 4005;
pub const INTERNAL: i64 = 4006;

/// A hook's failure as the client gets it.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// `{"code": code, "detail": detail}`; code in 4000–4999 except 4001.
    Wire { code: i64, detail: Value },
    /// An error message passed on unchanged, e.g. next's.
    Raw(Vec<u8>),
}

impl Error {
    /// An error frame with any code and detail.
    pub fn new(code: i64, detail: Value) -> Error {
        Error::Wire { code, detail }
    }

    /// A 4003 whose detail is `[msg]`, like the reference's validation errors.
    pub fn validation(msg: &str) -> Error {
        Error::Wire { code: VALIDATION, detail: Value::Array(vec![Value::from(msg)]) }
    }

    /// The message the host gets.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Error::Wire { code, detail } => {
                obj(vec![("code", Value::from(*code)), ("detail", detail.clone())]).to_json().into_bytes()
            }
            Error::Raw(b) => b.clone(),
        }
    }
}

impl From<HostError> for Error {
    fn from(e: HostError) -> Error {
        Error::Raw(e.raw)
    }
}

/// Runs a hook: parses the envelope, calls `f`, and sets its output or its
/// error. Return its result from the exported function.
pub fn run<F: FnOnce(&Call) -> Result<Vec<u8>, Error>>(f: F) -> i32 {
    let res = match Call::parse(&input()) {
        Ok(call) => f(&call),
        Err(e) => Err(Error::new(INTERNAL, Value::from(format!("chatwasm: bad envelope: {}", e).as_str()))),
    };
    match res {
        Ok(out) => {
            output(&out);
            0
        }
        Err(e) => {
            set_error(&e.to_bytes());
            1
        }
    }
}

// ---------------------------------------------------------------------------
// JSON.

/// A JSON value. Numbers keep their text, so that ids and other integers
/// pass through exactly; objects keep their key order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// Builds an object from key/value pairs.
pub fn obj(fields: Vec<(&str, Value)>) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.to_string())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl Value {
    /// Parses a complete JSON document.
    pub fn parse(b: &[u8]) -> Result<Value, String> {
        let mut p = Parser { b, pos: 0, depth: 0 };
        p.ws();
        let v = p.value()?;
        p.ws();
        if p.pos != b.len() {
            return Err(p.err("trailing data"));
        }
        Ok(v)
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            // Of a key given twice the last counts, as the host reads it.
            Value::Object(fields) => fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a path of object keys, e.g. `&["caller", "username"]`.
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }

    /// Sets the member `key` of an object (replacing it if present).
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Object(fields) = self {
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some(f) => f.1 = value,
                None => fields.push((key.to_string(), value)),
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        *self == Value::Null
    }

    /// The JSON text of the value.
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        self.write_json(&mut s);
        s
    }

    /// Appends the JSON text of the value to out.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_quoted(out, s),
            Value::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_quoted(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// Appends s to out as a JSON string.
pub fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Nesting deeper than this is refused rather than risking the guest stack.
const MAX_DEPTH: usize = 128;

struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, what: &str) -> String {
        format!("{} at byte {}", what, self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.next_byte() == Some(c) {
            Ok(())
        } else {
            Err(self.err(&format!("expected {}", c as char)))
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        if self.b[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'[') => self.nested(|p| p.array()),
            Some(b'{') => self.nested(|p| p.object()),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("expected a value")),
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Value, String>) -> Result<Value, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("too deeply nested"));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn array(&mut self) -> Result<Value, String> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.next_byte() {
                Some(b',') => continue,
                Some(b']') => return Ok(Value::Array(items)),
                _ => return Err(self.err("expected , or ]")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.pos += 1;
        let mut fields = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(fields));
        }
        loop {
            self.ws();
            let k = self.string()?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            fields.push((k, self.value()?));
            self.ws();
            match self.next_byte() {
                Some(b',') => continue,
                Some(b'}') => return Ok(Value::Object(fields)),
                _ => return Err(self.err("expected , or }")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    // number checks the JSON number grammar by hand: parsing it as f64
    // would link in the float parser, a third of a small module.
    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = self.digits();
        let mut ok = n == 1 || (n > 1 && self.b[int_start] != b'0');
        if ok && self.peek() == Some(b'.') {
            self.pos += 1;
            ok = self.digits() > 0;
        }
        if ok && matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            ok = self.digits() > 0;
        }
        if !ok {
            return Err(self.err("bad number"));
        }
        // The bytes are ASCII digits and signs: always UTF-8.
        Ok(Value::Number(String::from_utf8_lossy(&self.b[start..self.pos]).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.b.get(self.pos..self.pos + 4).ok_or_else(|| self.err("short \\u escape"))?;
        let s = std::str::from_utf8(h).map_err(|_| self.err("bad \\u escape"))?;
        let n = u32::from_str_radix(s, 16).map_err(|_| self.err("bad \\u escape"))?;
        self.pos += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let start = self.pos;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.extend_from_slice(&self.b[start..self.pos]);
            match self.next_byte() {
                Some(b'"') => break,
                Some(b'\\') => {
                    let esc = self.next_byte().ok_or_else(|| self.err("unterminated escape"))?;
                    let c = match esc {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut n = self.hex4()?;
                            if (0xd800..0xdc00).contains(&n) && self.b[self.pos..].starts_with(b"\\u") {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    n = 0x10000 + ((n - 0xd800) << 10) + (lo - 0xdc00);
                                } else {
                                    self.pos -= 6; // not a pair: decode the second escape on its own
                                }
                            }
                            char::from_u32(n).unwrap_or('\u{fffd}')
                        }
                        _ => return Err(self.err("bad escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                _ => return Err(self.err("unterminated string")),
            }
        }
        String::from_utf8(out).map_err(|_| self.err("invalid UTF-8 in string"))
    }
}
