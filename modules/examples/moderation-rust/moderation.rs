//! moderation-rust: the moderation example in Rust. It replaces
//! `_create_message` (inside the operation's transaction): a message whose
//! content contains any of the comma-separated, case-insensitive words of
//! the `banned_words` config fails with a 4003, and every other message goes
//! on to the default through `next`.
#[path = "../../../guest-sdk/rust/chatwasm.rs"]
mod chatwasm;

use chatwasm::{Error, Value};

/// The detail of the rejection, the same as the Go moderation example's.
const REJECTED: &str = "Message contains prohibited content";

#[export_name = "_create_message"]
pub extern "C" fn create_message() -> i32 {
    chatwasm::run(|call| {
        let content = chatwasm::lower(call.args.get("content").and_then(Value::as_str).unwrap_or(""));
        let banned = chatwasm::config("banned_words").unwrap_or_default();
        for word in banned.split(',') {
            let word = chatwasm::lower(word.trim());
            if !word.is_empty() && content.contains(&word) {
                return Err(Error::validation(REJECTED));
            }
        }
        Ok(chatwasm::next(&call.args_raw)?)
    })
}
