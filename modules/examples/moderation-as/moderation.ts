// moderation-as: the moderation example in AssemblyScript. It replaces
// _create_message (inside the operation's transaction): a message whose
// content contains any of the comma-separated, case-insensitive words of the
// banned_words config fails with a 4003, and every other message goes on to
// the default through next.
import { Call, CreateMessageArgs, Response, config, lower, run, trimSpace } from "../../../guest-sdk/as/assembly/index";
export { chatwasm_abi_v1 } from "../../../guest-sdk/as/assembly/index";

/** The detail of the rejection, the same as the Go moderation example's. */
const REJECTED = "Message contains prohibited content";

function moderate(call: Call): Response {
  const content = lower(CreateMessageArgs.from(call.args).content);
  const banned = config("banned_words");
  if (banned !== null) {
    const words = banned.split(",");
    for (let i = 0; i < words.length; i++) {
      const word = lower(trimSpace(words[i]));
      if (word.length > 0 && content.includes(word)) return Response.validation(REJECTED);
    }
  }
  return Response.next(call.argsRaw);
}

export function _create_message(): i32 {
  return run(moderate);
}
