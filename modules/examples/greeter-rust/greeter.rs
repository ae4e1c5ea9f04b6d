//! greeter-rust: an extend hook around `create_message` that shows `next`
//! and a data import. It lets the operation run first (`next`: the message
//! is stored and committed), then reads the room with `room_get`
//! (capability rooms.read) and emits `greeter.welcome` to the room's members
//! (events.emit): `{"text": "<greeting> <username>, welcome to <room name>!",
//! "message_id": "<id>"}`, with `greeting` from the config ("Hello" by
//! default). It logs each greeting (capability log) and returns the
//! operation's output unchanged. A failed operation fails unchanged and
//! greets nobody. The message is stored by then, so a greeting that cannot
//! be sent (the room unreadable, a capability not granted) is only logged:
//! failing the call would hide the stored message from the room.
#[path = "../../../guest-sdk/rust/chatwasm.rs"]
mod chatwasm;

use chatwasm::{obj, Level, Value};

/// The event type of the greeting.
const EVENT: &str = "greeter.welcome";

#[export_name = "create_message"]
pub extern "C" fn create_message() -> i32 {
    chatwasm::run(|call| {
        let out = chatwasm::next(&call.args_raw)?;
        let room_id = call.args.get("room_id").and_then(Value::as_str).unwrap_or("");
        let room = match chatwasm::room_get(room_id) {
            Ok(room) => room,
            Err(e) => {
                chatwasm::log_kernel(Level::Warn, &format!("greeter: cannot read room {}: {}", room_id, e.text()));
                return Ok(out);
            }
        };
        let greeting = chatwasm::config("greeting").unwrap_or_else(|| "Hello".to_string());
        let text = format!("{} {}, welcome to {}!", greeting, call.caller.username, room.name);
        let message_id = Value::parse(&out).ok().and_then(|m| m.get("id").cloned()).unwrap_or(Value::Null);
        let data = obj(vec![("text", Value::from(text)), ("message_id", message_id)]);
        if let Err(e) = chatwasm::emit_room(&room.id, EVENT, data) {
            chatwasm::log_kernel(Level::Warn, &format!("greeter: cannot emit to room {}: {}", room.id, e.text()));
            return Ok(out);
        }
        // The log line is best effort: without the log capability the
        // greeting still goes out.
        let _ = chatwasm::log(
            Level::Info,
            "greeted",
            vec![("room_id", Value::from(room.id.as_str())), ("username", Value::from(call.caller.username.as_str()))],
        );
        Ok(out)
    })
}
