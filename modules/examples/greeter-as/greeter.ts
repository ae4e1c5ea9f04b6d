// greeter-as: an extend hook around create_message that shows next and a
// data import. It lets the operation run first (next: the message is stored
// and committed), then reads the room with room_get (capability rooms.read)
// and emits greeter.welcome to the room's members (events.emit):
// {"text": "<greeting> <username>, welcome to <room name>!", "message_id":
// "<id>"}, with greeting from the config ("Hello" by default). It logs each
// greeting (capability log) and returns the operation's output unchanged.
// A failed operation fails unchanged and greets nobody. The message is
// stored by then, so a greeting that cannot be sent (the room unreadable, a
// capability not granted) is only logged: failing the call would hide the
// stored message from the room.
import {
  Call,
  CreateMessageArgs,
  HostError,
  Level,
  Response,
  Room,
  Value,
  config,
  emitRoom,
  log,
  logKernel,
  next,
  roomGet,
  run,
} from "../../../guest-sdk/as/assembly/index";
export { chatwasm_abi_v1 } from "../../../guest-sdk/as/assembly/index";

/** The event type of the greeting. */
const EVENT = "greeter.welcome";

function greet(call: Call): Response {
  const res = next(call.argsRaw);
  if (!res.ok) return Response.error(<HostError>res.error);
  const out = <string>res.value;

  const roomId = CreateMessageArgs.from(call.args).roomId;
  const r = roomGet(roomId);
  if (!r.ok) {
    logKernel(Level.Warn, "greeter: cannot read room " + roomId + ": " + (<HostError>r.error).raw);
    return Response.ok(out);
  }
  const room = <Room>r.value;
  const greeting = config("greeting");
  const text = (greeting === null ? "Hello" : greeting) + " " + call.caller.username + ", welcome to " + room.name + "!";
  const parsed = Value.parse(out).value;
  let messageId = Value.null();
  if (parsed !== null) {
    const id = parsed.get("id");
    if (id !== null) messageId = id;
  }
  const sent = emitRoom(room.id, EVENT, Value.object().set("text", Value.str(text)).set("message_id", messageId));
  if (!sent.ok) {
    logKernel(Level.Warn, "greeter: cannot emit to room " + room.id + ": " + (<HostError>sent.error).raw);
    return Response.ok(out);
  }
  // The log line is best effort: without the log capability the greeting
  // still goes out.
  log(Level.Info, "greeted", Value.object().set("room_id", Value.str(room.id)).set("username", Value.str(call.caller.username)));
  return Response.ok(out);
}

export function create_message(): i32 {
  return run(greet);
}
