// chatwasm guest SDK for AssemblyScript, on @extism/as-pdk: write chatwasm
// modules (Extism plug-ins, see abi/README.md) in AssemblyScript.
//
// A module's entry file re-exports the ABI marker and exports its hooks,
// each a function of no arguments returning i32 whose body is run(handler):
//
//   import { run, next, Call, Response, CreateMessageArgs } from "<sdk>/assembly/index";
//   export { chatwasm_abi_v1 } from "<sdk>/assembly/index";
//
//   function handle(call: Call): Response {
//     const args = CreateMessageArgs.from(call.args);
//     if (args.content.includes("spam")) return Response.validation("No spam");
//     return Response.next(call.argsRaw);
//   }
//   export function _create_message(): i32 { return run(handle); }
//
// Build with asc --runtime incremental --use abort=<sdk>/assembly/index/abort
// (see README.md): AssemblyScript would otherwise import env.abort, which no
// chatwasm host provides.

import { Value } from "./json";
import { Call } from "./payloads";
import { HostError, Level, input, logKernel, next as hostNext, output, setError } from "./host";

export * from "./json";
export * from "./payloads";
export * from "./host";
export * from "./text";

/** Error codes of the reference (docs/protocol.md §3). */
export const PERMISSION: i32 = 4002;
export const VALIDATION: i32 = 4003;
export const NOT_FOUND: i32 = 4004;
export const INTEGRITY: i32 = 4005;
export const INTERNAL: i32 = 4006;

/** The ABI version marker the host checks; re-export it from the entry file. */
export function chatwasm_abi_v1(): void {}

/** What a hook ends with: its output (JSON), or the error the client gets. */
export class Response {
  constructor(
    public failed: bool,
    /** The output's JSON, or the error message. */
    public body: string,
  ) {}

  /** Succeed with json as the output. */
  static ok(json: string): Response {
    return new Response(false, json);
  }

  /** Succeed with v as the output. */
  static value(v: Value): Response {
    return new Response(false, v.toJSON());
  }

  /** Fail with {"code": code, "detail": detail}; code in 4000–4999 except 4001. */
  static fail(code: i32, detail: Value): Response {
    return new Response(true, Value.object().set("code", Value.int(code)).set("detail", detail).toJSON());
  }

  /** Fail with a 4003 whose detail is [msg], like the reference's validation errors. */
  static validation(msg: string): Response {
    return Response.fail(VALIDATION, Value.strings([msg]));
  }

  /** Fail with a host import's error (next's above all), unchanged. */
  static error(e: HostError): Response {
    return new Response(true, e.raw);
  }

  /** Run the rest of the chain with args and end with its output or its error. */
  static next(args: string): Response {
    const r = hostNext(args);
    return r.ok ? Response.ok(<string>r.value) : Response.error(<HostError>r.error);
  }
}

/**
 * Runs a hook: parses the envelope, calls handler, and sets its output or
 * its error. Return its result from the exported function.
 */
export function run(handler: (call: Call) => Response): i32 {
  const why: string[] = [];
  const call = Call.parse(input(), why);
  let res: Response;
  if (call === null) res = Response.fail(INTERNAL, Value.str("chatwasm: bad envelope: " + why[0]));
  else res = handler(call);
  if (res.failed) {
    setError(res.body);
    return 1;
  }
  output(res.body);
  return 0;
}

/**
 * The abort AssemblyScript calls on a failed assertion, an out-of-bounds
 * access or a throw: it logs why and traps, which the host counts as the
 * module's fault (a 4006 for the client, the log names the module). Pass
 * --use abort=<sdk>/assembly/index/abort to asc.
 */
export function abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const msg = message === null ? "abort" : message;
  const file = fileName === null ? "?" : fileName;
  logKernel(Level.Error, "assemblyscript abort: " + msg + " at " + file + ":" + line.toString() + ":" + column.toString());
  unreachable();
}
