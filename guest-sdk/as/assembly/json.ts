// A small JSON document model for chatwasm payloads: parse into a Value
// tree, read it by key, build values, write them out. Numbers keep their
// text, so that ids and other integers pass through exactly; objects keep
// their key order. AssemblyScript has no exceptions, so a parse failure is a
// null result with the reason in a ParseResult.

/** The kind of a JSON value. */
export enum Kind {
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

/** A JSON value. */
export class Value {
  kind: Kind = Kind.Null;
  /** The value of a Bool. */
  bool: bool = false;
  /** The text of a Number, the value of a String. */
  text: string = "";
  /** The items of an Array. */
  items: Value[] = [];
  /** The member names of an Object, in order; values[i] goes with keys[i]. */
  keys: string[] = [];
  values: Value[] = [];

  static null(): Value {
    return new Value();
  }

  static bool(b: bool): Value {
    const v = new Value();
    v.kind = Kind.Bool;
    v.bool = b;
    return v;
  }

  static str(s: string): Value {
    const v = new Value();
    v.kind = Kind.String;
    v.text = s;
    return v;
  }

  static int(n: i64): Value {
    return Value.number(n.toString());
  }

  /** A Number from its JSON text, which the caller vouches for. */
  static number(text: string): Value {
    const v = new Value();
    v.kind = Kind.Number;
    v.text = text;
    return v;
  }

  static array(items: Value[]): Value {
    const v = new Value();
    v.kind = Kind.Array;
    v.items = items;
    return v;
  }

  /** An empty object; add members with set. */
  static object(): Value {
    const v = new Value();
    v.kind = Kind.Object;
    return v;
  }

  /** A list of strings as an Array, e.g. an error detail. */
  static strings(list: string[]): Value {
    const items = new Array<Value>(list.length);
    for (let i = 0; i < list.length; i++) items[i] = Value.str(list[i]);
    return Value.array(items);
  }

  /** Parses a complete JSON document. */
  static parse(s: string): ParseResult {
    const p = new Parser(s);
    p.ws();
    const v = p.value();
    if (v !== null) {
      p.ws();
      if (p.pos != s.length) p.fail("trailing data");
    }
    return new ParseResult(p.error.length == 0 ? v : null, p.error);
  }

  /** The member key of an object, or null. Of a key given twice the last
   * counts, as the host reads it. */
  get(key: string): Value | null {
    if (this.kind != Kind.Object) return null;
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] == key) return this.values[i];
    }
    return null;
  }

  /** The value at a path of object keys, e.g. ["caller", "username"]. */
  path(keys: string[]): Value | null {
    let v: Value | null = this;
    for (let i = 0; i < keys.length && v !== null; i++) v = v.get(keys[i]);
    return v;
  }

  /** Sets the member key of an object (replacing it if present); returns this. */
  set(key: string, value: Value): Value {
    if (this.kind != Kind.Object) return this;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) {
        this.values[i] = value;
        return this;
      }
    }
    this.keys.push(key);
    this.values.push(value);
    return this;
  }

  isNull(): bool {
    return this.kind == Kind.Null;
  }

  /** The string of a String, or null. */
  asString(): string | null {
    return this.kind == Kind.String ? this.text : null;
  }

  /** The integer of a Number, or def. */
  asI64(def: i64 = 0): i64 {
    if (this.kind != Kind.Number || !isInteger(this.text)) return def;
    return I64.parseInt(this.text);
  }

  /** The boolean of a Bool, or def. */
  asBool(def: bool = false): bool {
    return this.kind == Kind.Bool ? this.bool : def;
  }

  /** The JSON text of the value. */
  toJSON(): string {
    const out: string[] = [];
    this.write(out);
    return out.join("");
  }

  private write(out: string[]): void {
    switch (this.kind) {
      case Kind.Null:
        out.push("null");
        break;
      case Kind.Bool:
        out.push(this.bool ? "true" : "false");
        break;
      case Kind.Number:
        out.push(this.text);
        break;
      case Kind.String:
        out.push(quote(this.text));
        break;
      case Kind.Array:
        out.push("[");
        for (let i = 0; i < this.items.length; i++) {
          if (i > 0) out.push(",");
          this.items[i].write(out);
        }
        out.push("]");
        break;
      default:
        out.push("{");
        for (let i = 0; i < this.keys.length; i++) {
          if (i > 0) out.push(",");
          out.push(quote(this.keys[i]));
          out.push(":");
          this.values[i].write(out);
        }
        out.push("}");
    }
  }
}

/** What Value.parse returns: the value, or null and why. */
export class ParseResult {
  constructor(
    public value: Value | null,
    public error: string,
  ) {}
}

/** Reads a string member of an object, or def. */
export function stringField(v: Value | null, key: string, def: string = ""): string {
  if (v === null) return def;
  const m = v.get(key);
  if (m === null || m.kind != Kind.String) return def;
  return m.text;
}

/** Reads a string-or-null member of an object. */
export function optionalString(v: Value | null, key: string): string | null {
  if (v === null) return null;
  const m = v.get(key);
  return m === null ? null : m.asString();
}

/** Reads an integer member of an object, or def. */
export function intField(v: Value | null, key: string, def: i64 = 0): i64 {
  if (v === null) return def;
  const m = v.get(key);
  return m === null ? def : m.asI64(def);
}

/** Reads a boolean member of an object, or def. */
export function boolField(v: Value | null, key: string, def: bool = false): bool {
  if (v === null) return def;
  const m = v.get(key);
  return m === null ? def : m.asBool(def);
}

/** Whether s is an integer within i64's bounds (I64.parseInt wraps past them). */
function isInteger(s: string): bool {
  const neg = s.length > 0 && s.charCodeAt(0) == 0x2d;
  let i = neg ? 1 : 0;
  if (i == s.length) return false;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  while (i < s.length - 1 && s.charCodeAt(i) == 0x30) i++;
  const digits = s.length - i;
  if (digits != 19) return digits < 19;
  // Digit strings of one length compare as their numbers do.
  return s.substring(i) <= (neg ? "9223372036854775808" : "9223372036854775807");
}

const HEX = "0123456789abcdef";

/** s as a JSON string literal. */
export function quote(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c == 0x22 || c == 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return '"' + s + '"';
  const out: string[] = ['"'];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out.push(s.substring(start, i));
    start = i + 1;
    if (c == 0x22) out.push('\\"');
    else if (c == 0x5c) out.push("\\\\");
    else if (c == 0x0a) out.push("\\n");
    else if (c == 0x0d) out.push("\\r");
    else if (c == 0x09) out.push("\\t");
    else out.push("\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15));
  }
  out.push(s.substring(start));
  out.push('"');
  return out.join("");
}

/** Nesting deeper than this is refused rather than risking the stack. */
const MAX_DEPTH = 128;

/** A recursive-descent JSON parser over a decoded string. */
export class Parser {
  pos: i32 = 0;
  depth: i32 = 0;
  error: string = "";

  constructor(public s: string) {}

  fail(what: string): void {
    if (this.error.length == 0) this.error = what + " at " + this.pos.toString();
  }

  peek(): i32 {
    return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1;
  }

  ws(): void {
    for (;;) {
      const c = this.peek();
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
      this.pos++;
    }
  }

  expect(c: i32): bool {
    if (this.peek() != c) {
      this.fail("expected " + String.fromCharCode(c));
      return false;
    }
    this.pos++;
    return true;
  }

  value(): Value | null {
    const c = this.peek();
    if (c == 0x6e) return this.literal("null", Value.null());
    if (c == 0x74) return this.literal("true", Value.bool(true));
    if (c == 0x66) return this.literal("false", Value.bool(false));
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : Value.str(s);
    }
    if (c == 0x5b || c == 0x7b) {
      if (++this.depth > MAX_DEPTH) {
        this.fail("too deeply nested");
        return null;
      }
      const v = c == 0x5b ? this.array() : this.object();
      this.depth--;
      return v;
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    this.fail("expected a value");
    return null;
  }

  /** Reads an object member's key and the colon after it, with the white space around; null on a parse error. */
  key(): string | null {
    this.ws();
    const k = this.string();
    if (k === null) return null;
    this.ws();
    if (!this.expect(0x3a)) return null;
    this.ws();
    return k;
  }

  private literal(word: string, v: Value): Value | null {
    if (this.s.substr(this.pos, word.length) != word) {
      this.fail("invalid literal");
      return null;
    }
    this.pos += word.length;
    return v;
  }

  private array(): Value | null {
    this.pos++;
    const items: Value[] = [];
    this.ws();
    if (this.peek() == 0x5d) {
      this.pos++;
      return Value.array(items);
    }
    for (;;) {
      this.ws();
      const v = this.value();
      if (v === null) return null;
      items.push(v);
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c == 0x2c) continue;
      if (c == 0x5d) return Value.array(items);
      this.fail("expected , or ]");
      return null;
    }
  }

  private object(): Value | null {
    this.pos++;
    const o = Value.object();
    this.ws();
    if (this.peek() == 0x7d) {
      this.pos++;
      return o;
    }
    for (;;) {
      const k = this.key();
      if (k === null) return null;
      const v = this.value();
      if (v === null) return null;
      o.keys.push(k);
      o.values.push(v);
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c == 0x2c) continue;
      if (c == 0x7d) return o;
      this.fail("expected , or }");
      return null;
    }
  }

  private digits(): i32 {
    const start = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    return this.pos - start;
  }

  private number(): Value | null {
    const start = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    const intStart = this.pos;
    const n = this.digits();
    let ok = n == 1 || (n > 1 && this.s.charCodeAt(intStart) != 0x30);
    if (ok && this.peek() == 0x2e) {
      this.pos++;
      ok = this.digits() > 0;
    }
    if (ok && (this.peek() == 0x65 || this.peek() == 0x45)) {
      this.pos++;
      if (this.peek() == 0x2b || this.peek() == 0x2d) this.pos++;
      ok = this.digits() > 0;
    }
    if (!ok) {
      this.fail("bad number");
      return null;
    }
    return Value.number(this.s.substring(start, this.pos));
  }

  private hex4(): i32 {
    if (this.pos + 4 > this.s.length) return -1;
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.s.charCodeAt(this.pos + i);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      if (d < 0) return -1;
      n = (n << 4) | d;
    }
    this.pos += 4;
    return n;
  }

  /**
   * The character of the \u escape of surrogate n: with the low half
   * escaped right after a high one, the pair; alone, U+FFFD, as the host
   * (encoding/json) reads it, rather than half a pair, which no UTF-8 output
   * can carry.
   */
  private surrogate(n: i32): string {
    if (n < 0xdc00 && this.peek() == 0x5c && this.pos + 1 < this.s.length && this.s.charCodeAt(this.pos + 1) == 0x75) {
      const at = this.pos;
      this.pos += 2;
      const lo = this.hex4();
      if (lo >= 0xdc00 && lo < 0xe000) return String.fromCharCode(n, lo);
      this.pos = at; // not a pair: the next escape is read on its own
    }
    return "\uFFFD";
  }

  /** A string literal; null (with error set) when malformed. */
  string(): string | null {
    if (!this.expect(0x22)) return null;
    const parts: string[] = [];
    let start = this.pos;
    for (;;) {
      const c = this.peek();
      if (c < 0) {
        this.fail("unterminated string");
        return null;
      }
      if (c == 0x22) {
        parts.push(this.s.substring(start, this.pos));
        this.pos++;
        return parts.join("");
      }
      if (c < 0x20) {
        this.fail("control character in string");
        return null;
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      parts.push(this.s.substring(start, this.pos));
      this.pos++;
      const e = this.peek();
      this.pos++;
      if (e == 0x22) parts.push('"');
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75) {
        const n = this.hex4();
        if (n < 0) {
          this.fail("bad \\u escape");
          return null;
        }
        parts.push(n >= 0xd800 && n < 0xe000 ? this.surrogate(n) : String.fromCharCode(n));
      } else {
        this.fail("bad escape");
        return null;
      }
      start = this.pos;
    }
    return null; // not reached: the loop returns
  }
}
