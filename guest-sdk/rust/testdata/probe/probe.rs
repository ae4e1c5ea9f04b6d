//! probe: the test module of the Rust SDK. Its `_create_message` runs the
//! operation named by args.op and returns what the SDK made of it, so that
//! sdk_test.go can check every binding against the real host.
#[path = "../../chatwasm.rs"]
mod chatwasm;

use chatwasm::{obj, Error, HostError, Level, Value};

#[export_name = "_create_message"]
pub extern "C" fn create_message() -> i32 {
    chatwasm::run(|call| {
        let op = call.args.get("op").and_then(Value::as_str).unwrap_or("");
        let out = match op {
            "echo" => call.args.get("value").cloned().unwrap_or(Value::Null),
            "invalid" => invalid(&call.args),
            "imports" => imports(&call.args),
            "payloads" => payloads(&call.args),
            "fail" => return Err(Error::new(4005, call.args.get("detail").cloned().unwrap_or(Value::Null))),
            "next" => return Ok(chatwasm::next(b"{\"changed\":true}")?),
            "panic" => panic!("probe panics"),
            _ => return Err(Error::validation("unknown op")),
        };
        Ok(out.to_json().into_bytes())
    })
}

/// For each string of args.docs, whether Value::parse refuses it.
fn invalid(args: &Value) -> Value {
    let docs = args.get("docs").and_then(Value::as_array).unwrap_or(&[]);
    Value::Array(docs.iter().map(|d| Value::Bool(Value::parse(d.as_str().unwrap_or("").as_bytes()).is_err())).collect())
}

/// The enriched payloads of args, read with the SDK's types, field by field.
fn payloads(args: &Value) -> Value {
    let null = Value::Null;
    let ids = |v: &[String]| Value::Array(v.iter().map(|s| Value::from(s.as_str())).collect());
    let c = chatwasm::CreateMessageArgs::from_value(args.get("create").unwrap_or(&null));
    let p = chatwasm::PermissionArgs::from_value(args.get("permission").unwrap_or(&null));
    let r = p.resolved.unwrap_or(chatwasm::Resolved {
        room_id: String::new(),
        room_kind: String::new(),
        role: String::new(),
        message_ids: Vec::new(),
    });
    let e = chatwasm::ExceptionArgs::from_value(args.get("exception").unwrap_or(&null));
    let n = chatwasm::CreateNotificationArgs::from_value(args.get("notify").unwrap_or(&null));
    let a = chatwasm::UpdateNotificationArgs::from_value(args.get("ack").unwrap_or(&null));
    obj(vec![
        (
            "create",
            obj(vec![
                ("room_id", Value::from(c.room_id)),
                ("room_kind", Value::from(c.room_kind)),
                ("member_count", Value::from(c.member_count)),
                ("sender_role", Value::from(c.sender_role)),
            ]),
        ),
        (
            "permission",
            obj(vec![
                ("room_id", Value::from(r.room_id)),
                ("room_kind", Value::from(r.room_kind)),
                ("role", Value::from(r.role)),
                ("message_ids", ids(&r.message_ids)),
            ]),
        ),
        (
            "exception",
            obj(vec![
                ("code", Value::from(e.code)),
                ("kind", Value::from(e.kind)),
                ("event_type", Value::from(e.event_type)),
                ("data", e.data),
                ("room_id", Value::from(e.room_id)),
                ("module", Value::from(e.module)),
            ]),
        ),
        ("notify", n.to_value()),
        ("ack", obj(vec![("message_ids", ids(&a.message_ids)), ("user_id", Value::from(a.user_id))])),
    ])
}

/// A host error as the probe reports it.
fn err(e: HostError) -> Value {
    obj(vec![("error", Value::from(e.text())), ("code", Value::from(e.code().unwrap_or(0)))])
}

fn ok_or_err<T>(r: Result<T, HostError>, f: impl FnOnce(T) -> Value) -> Value {
    match r {
        Ok(v) => f(v),
        Err(e) => err(e),
    }
}

/// Calls every import once with the ids of args and returns the results.
fn imports(args: &Value) -> Value {
    let room = args.get("room_id").and_then(Value::as_str).unwrap_or("");
    let user = args.get("user_id").and_then(Value::as_i64).unwrap_or(0);
    let other = args.get("other_id").and_then(Value::as_i64).unwrap_or(0);
    let message = args.get("message_id").and_then(Value::as_str).unwrap_or("");
    let mut r = Value::Object(Vec::new());
    r.set("kv_set", ok_or_err(chatwasm::kv_set("p:1", obj(vec![("n", Value::from(1))])), |_| Value::Null));
    let _ = chatwasm::kv_set("p:2", Value::from("two"));
    r.set("kv_get", ok_or_err(chatwasm::kv_get("p:1"), |v| v));
    r.set(
        "kv_list",
        ok_or_err(chatwasm::kv_list("p:", 10), |l| {
            Value::Array(l.into_iter().map(|(k, v)| obj(vec![("key", Value::from(k)), ("value", v)])).collect())
        }),
    );
    r.set("kv_delete", ok_or_err(chatwasm::kv_delete("p:1"), Value::from));
    r.set("kv_delete_again", ok_or_err(chatwasm::kv_delete("p:1"), Value::from));
    r.set("kv_get_deleted", ok_or_err(chatwasm::kv_get("p:1"), |v| v));
    r.set("user", ok_or_err(chatwasm::user_get(user), |u| obj(vec![("id", Value::from(u.id)), ("username", Value::from(u.username))])));
    r.set(
        "message",
        ok_or_err(chatwasm::message_get(message), |m| {
            obj(vec![("id", Value::from(m.id)), ("room_id", Value::from(m.room_id)), ("content", Value::from(m.content))])
        }),
    );
    r.set(
        "room",
        ok_or_err(chatwasm::room_get(room), |rm| {
            obj(vec![("id", Value::from(rm.id)), ("name", Value::from(rm.name)), ("kind", Value::from(rm.kind)), ("max_members", Value::from(rm.max_members))])
        }),
    );
    r.set("room_missing", ok_or_err(chatwasm::room_get("no-such-room"), |_| Value::Null));
    r.set("room_property", ok_or_err(chatwasm::room_property(room), |v| v));
    r.set("members_add", ok_or_err(chatwasm::members_add(room, &[other], false), Value::from));
    r.set(
        "members",
        ok_or_err(chatwasm::room_members(room), |ms| {
            Value::Array(ms.into_iter().map(|m| obj(vec![("user_id", Value::from(m.user_id)), ("is_admin", Value::from(m.is_admin))])).collect())
        }),
    );
    r.set("members_remove", ok_or_err(chatwasm::members_remove(room, &[other]), Value::from));
    r.set("render_room", ok_or_err(chatwasm::render_room(room, "list"), |v| v));
    r.set("render_user", ok_or_err(chatwasm::render_user(user), |v| v));
    r.set("render_message", ok_or_err(chatwasm::render_message(message), |v| v));
    r.set("render_notification", ok_or_err(chatwasm::render_notification("n-1"), |v| v));
    r.set("emit_user", ok_or_err(chatwasm::emit_user(user, "probe.user", obj(vec![("x", Value::from(1))])), |_| Value::Null));
    r.set("emit_room", ok_or_err(chatwasm::emit_room(room, "probe.room", Value::from("hi")), |_| Value::Null));
    r.set("log", ok_or_err(chatwasm::log(Level::Warn, "probe log", vec![("n", Value::from(7))]), |_| Value::Null));
    chatwasm::log_kernel(Level::Info, "probe kernel log");
    r.set("config", chatwasm::config("greeting").map(Value::from).unwrap_or(Value::Null));
    r.set("config_missing", chatwasm::config("missing").map(Value::from).unwrap_or(Value::Null));
    chatwasm::var_set("v", Some(b"remembered"));
    r.set("var", chatwasm::var_get("v").map(|b| Value::from(String::from_utf8_lossy(&b).into_owned())).unwrap_or(Value::Null));
    r.set("lower", Value::from(chatwasm::lower("ÀÉÎ İSTANBUL ΟΔΟΣ")));
    r
}

/// probe: the JSON reader's test (internal/jsoncheck's contract). Input
/// {"doc": <any JSON>, "paths": ["a.b.0", ...]}; output, for each path, what
/// Value reads there: {"type": n, "raw": <to_json> | null, "text": <as_str> |
/// null, "int": <as_i64> | null}. Input Value::parse refuses is an error.
#[export_name = "probe"]
pub extern "C" fn probe() -> i32 {
    let input = match Value::parse(&chatwasm::input()) {
        Ok(v) => v,
        Err(e) => {
            chatwasm::set_error(e.as_bytes());
            return 1;
        }
    };
    let paths = input.get("paths").and_then(Value::as_array).unwrap_or(&[]);
    let found = paths.iter().map(|p| read(input.get("doc").and_then(|d| at(d, p.as_str().unwrap_or(""))))).collect();
    chatwasm::output(Value::Array(found).to_json().as_bytes());
    0
}

/// The value at a path of member names and array indices joined by dots.
fn at<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(doc);
    }
    path.split('.').try_fold(doc, |v, seg| match v.as_array() {
        // An index is written the one way: no sign, no leading zero.
        Some(items) => seg.parse::<usize>().ok().filter(|i| i.to_string() == seg).and_then(|i| items.get(i)),
        None => v.get(seg),
    })
}

/// What the probe reports of a value found (or not).
fn read(v: Option<&Value>) -> Value {
    let v = match v {
        Some(v) => v,
        None => return obj(vec![("type", Value::from(0)), ("raw", Value::Null), ("text", Value::Null), ("int", Value::Null)]),
    };
    let kind = match v {
        Value::Null => 1,
        Value::Bool(_) => 2,
        Value::Number(_) => 3,
        Value::String(_) => 4,
        Value::Array(_) => 5,
        Value::Object(_) => 6,
    };
    obj(vec![
        ("type", Value::from(kind)),
        ("raw", Value::from(v.to_json())),
        ("text", v.as_str().map(Value::from).unwrap_or(Value::Null)),
        ("int", v.as_i64().map(Value::from).unwrap_or(Value::Null)),
    ])
}
