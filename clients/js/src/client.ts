// ChatClient: one logical connection to a chatwasm server, kept open across
// network failures and server restarts.

import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { AuthError, ChatError, ConnectionClosedError, InvalidEventError, chatError } from "./errors.js";
import type {
  ClientEventMap,
  ClientEventType,
  MediaInput,
  Message,
  MessageIds,
  PaginatedRoomMessages,
  RoomDetail,
  RoomListItem,
  RoomMessages,
  ServerEvent,
  ServerEventMap,
  ServerEventType,
  UUID,
} from "./protocol.js";
import { SERVER_EVENT_TYPES } from "./protocol.js";

/** The part of the WHATWG WebSocket the client uses (browsers, Node 22+, Node 20 with --experimental-websocket, `ws`). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** A WebSocket constructor, e.g. the global `WebSocket` or the `ws` package's. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of {@link ChatClient}. */
export interface ClientOptions {
  /**
   * The endpoint, e.g. `ws://127.0.0.1:8080/messaging/`; `http(s)://` means
   * `ws(s)://`, and in a browser it may be relative to the page (`/messaging/`).
   */
  url: string;
  /**
   * The access token (`chatwasm token USER`, the admin API, or an identity
   * provider's), or a function returning one, called before every connect:
   * with a function, a client that had been connected and meets a 4001 (an
   * expired token) tries once more with a fresh token.
   */
  token: string | (() => string | Promise<string>);
  /** The WebSocket constructor; the global `WebSocket` by default. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after the connection drops (default true), with these backoff settings. */
  reconnect?: boolean | BackoffOptions;
  /**
   * How often to send `session.heartbeat` (default 25000 ms; 0: never), which
   * keeps the session active (the server's inactivity threshold is 60 s by
   * default) and finds dead connections.
   */
  heartbeatIntervalMs?: number;
  /** A heartbeat or request unanswered this long means the connection is dead: it is closed and reopened (default 2 × heartbeatIntervalMs). */
  heartbeatTimeoutMs?: number;
  /**
   * Acknowledge delivery (`message.acknowledged`) of every message received:
   * those of the connect-time notifications, and each `message.dispatch`
   * from someone other than {@link ClientOptions.userId}.
   */
  autoAcknowledge?: boolean;
  /** The user's own id, so that autoAcknowledge skips the user's own messages. */
  userId?: number;
  /** A connection not ready this long after it was started is given up and retried (default 30000 ms). */
  connectTimeoutMs?: number;
  /** A source of randomness in [0, 1) for the reconnect jitter (default Math.random). */
  random?: () => number;
}

/** The client's own events, besides the server events by their eventType. */
export interface ClientEvents extends ServerEventMap {
  /** The connection is ready: the server accepted the token and answered a first heartbeat. */
  open: { reconnected: boolean };
  /** The connection closed; `error` is the AuthError of a 4001 close. */
  close: { code: number; reason: string; willReconnect: boolean; error?: ChatError };
  /** A reconnect attempt is scheduled. */
  reconnecting: { attempt: number; delayMs: number };
  /** Every server event, as one union (chat.notifications included). */
  event: ServerEvent;
  /** An event type the protocol does not define: a module's `emit` (abi/README.md). */
  custom: { eventType: string; data: unknown };
  /** An error frame that no request of this client was waiting for (e.g. the answer to a {@link ChatClient.send}). */
  error: ChatError;
  /** A heartbeat was answered. */
  heartbeat: Record<string, never>;
}

/** The state of a {@link ChatClient}. */
export type ClientState = "idle" | "connecting" | "open" | "closed";

type Listener<T> = (value: T) => void;

/** What a request waits for besides the server's acceptance: an event addressed to the caller. */
interface Expectation<K extends ServerEventType> {
  eventType: K;
  match: (data: ServerEventMap[K]) => boolean;
}

/** A request in flight: sent, followed by a heartbeat whose reply says it was carried out. */
interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  expect?: Expectation<ServerEventType>;
  accepted: boolean;
  event?: { data: unknown };
  error?: ChatError;
}

/**
 * A window of frames ended by a heartbeat. The server handles a connection's
 * frames one at a time, in order, and sends the error of a frame and the
 * heartbeat reply directly to the connection, in that order: so an error
 * frame that arrives while a window's heartbeat is unanswered is the error of
 * that window's frames, and the heartbeat reply says they were all handled.
 * One error more than the window has frames is the heartbeat's own (a
 * module's update_session failed): it ends the window as a reply would. A
 * request that succeeds while its heartbeat fails cannot be told from one
 * that failed (README, "Limits").
 */
interface Window {
  sentAt: number;
  /** The frames sent before the heartbeat, and the error frames received for the window so far. */
  frames: number;
  errors: number;
  /** The request, when the window holds exactly one (a request always gets a window of its own). */
  pending?: Pending;
  /** The connect's first heartbeat: its reply says the token was accepted. */
  ready?: boolean;
  /** A heartbeat() call's promise. */
  heartbeat?: { resolve: () => void; reject: (err: Error) => void };
}

const OPEN = 1;
const knownEvents: ReadonlySet<string> = new Set(SERVER_EVENT_TYPES);
/** The most ids the server accepts in one list (docs/protocol.md §2.8). */
const maxIds = 1000;

/**
 * A client of the chatwasm WebSocket protocol (docs/protocol.md). Create it,
 * subscribe with {@link on}, then {@link connect}. Every action has a method
 * returning a promise that settles once the server handled the action:
 * rejected with a typed {@link ChatError} when the server answered an error
 * frame, resolved otherwise (with the reply's data for room.list, room.info
 * and room.messages). Events from the server (including those caused by the
 * client's own actions) arrive through {@link on}.
 */
export class ChatClient {
  private readonly opts: ClientOptions;
  private readonly WS: WebSocketConstructor;
  private listeners = new Map<string, Set<Listener<never>>>();
  private ws: WebSocketLike | null = null;
  private windows: Window[] = [];
  /** Frames sent with send() since the last heartbeat. */
  private unfenced = 0;
  private waiting: Pending[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private everOpen = false;
  private accepted = false;
  private authRetried = false;
  private stopped = false;
  private ready: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private _state: ClientState = "idle";

  constructor(opts: ClientOptions) {
    this.opts = opts;
    const WS = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) {
      throw new Error(
        "chatwasm: no WebSocket: pass the WebSocket option (in Node 20 run with --experimental-websocket, or use the ws package)",
      );
    }
    this.WS = WS;
  }

  /** The connection's state: idle before connect(), open while ready, connecting in between, closed after close() or a final failure. */
  get state(): ClientState {
    return this._state;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof ClientEvents>(name: K, listener: Listener<ClientEvents[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /**
   * Resolves with the data of the next event `name` for which `match` holds
   * (every one by default).
   */
  next<K extends keyof ClientEvents>(name: K, match: (value: ClientEvents[K]) => boolean = () => true): Promise<ClientEvents[K]> {
    return new Promise((resolve) => {
      const off = this.on(name, (v) => {
        if (match(v)) {
          off();
          resolve(v);
        }
      });
    });
  }

  /**
   * Opens the connection. Resolves when it is ready (the token accepted and a
   * first heartbeat answered); rejects with an AuthError on a 4001 close, or
   * with ConnectionClosedError when close() is called or reconnecting gives up first.
   */
  connect(): Promise<void> {
    if (this._state === "open") return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => {
      const prev = this.ready;
      this.ready = {
        resolve: () => {
          prev?.resolve();
          resolve();
        },
        reject: (err) => {
          prev?.reject(err);
          reject(err);
        },
      };
    });
    if (this._state !== "connecting") {
      this.stopped = false;
      this.attempt = 0;
      void this.open();
    }
    return p;
  }

  /** Closes the connection for good (until the next connect()). Pending requests reject with ConnectionClosedError. */
  close(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.teardown(new ConnectionClosedError("the client was closed"));
    this._state = "closed";
    this.ready?.reject(new ConnectionClosedError("the client was closed"));
    this.ready = null;
  }

  /**
   * Sends an action without waiting for its outcome; an error it causes is
   * emitted as an "error" event. Throws ConnectionClosedError when not open.
   */
  send<K extends ClientEventType>(eventType: K, data?: ClientEventMap[K]): void {
    if (eventType === "session.heartbeat") {
      void this.heartbeat().catch(() => {});
      return;
    }
    this.write(eventType, data);
    this.unfenced++;
  }

  /**
   * Sends an action and settles once the server handled it: rejects with the
   * typed ChatError of its error frame, or ConnectionClosedError if the
   * connection closed first (the action may or may not have been carried out).
   */
  request<K extends ClientEventType>(eventType: K, data?: ClientEventMap[K]): Promise<void> {
    return this.call(eventType, data) as Promise<void>;
  }

  /** Sends session.heartbeat; resolves when it is answered. */
  heartbeat(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== OPEN) {
        reject(new ConnectionClosedError("not connected"));
        return;
      }
      this.fence({ heartbeat: { resolve, reject } });
    });
  }

  // The actions of docs/protocol.md §2.8.

  /** message.send: a message, a reply (parentMessageId), a forward (forwardedFromId) and/or attachments. */
  sendMessage(
    roomId: UUID,
    content: string,
    opts: { parentMessageId?: UUID; forwardedFromId?: UUID; media?: MediaInput[] } = {},
  ): Promise<void> {
    const extra: NonNullable<ClientEventMap["message.send"]["extra_fields"]> = {};
    if (opts.parentMessageId !== undefined) extra.parent_message_id = opts.parentMessageId;
    if (opts.forwardedFromId !== undefined) extra.forwarded_from_id = opts.forwardedFromId;
    if (opts.media !== undefined) extra.media = opts.media;
    const data: ClientEventMap["message.send"] = { room_id: roomId, content };
    if (Object.keys(extra).length > 0) data.extra_fields = extra;
    return this.request("message.send", data);
  }

  /**
   * message.acknowledged: tells the senders these messages were delivered
   * (they get messagedelivered.dispatch) and clears the caller's
   * notifications of them. Lists longer than the server's 1000 are split.
   */
  async acknowledge(messageIds: MessageIds): Promise<void> {
    for (const chunk of chunks(messageIds)) await this.request("message.acknowledged", { message_id: chunk });
  }

  /**
   * message.read: read receipts for these messages (readreceipt.dispatch to
   * the room). Reading one's own message does nothing; reading a message
   * twice is an IntegrityError (4005).
   */
  async markRead(messageIds: MessageIds): Promise<void> {
    for (const chunk of chunks(messageIds)) await this.request("message.read", { message_id: chunk });
  }

  /** message.react add: reacts, replacing the caller's previous reaction to the message. */
  react(messageId: UUID, reaction: string): Promise<void> {
    return this.request("message.react", { type: "add", message_id: messageId, reaction_content: reaction });
  }

  /** message.react remove: removes the caller's reaction. */
  unreact(messageId: UUID): Promise<void> {
    return this.request("message.react", { type: "remove", message_id: messageId });
  }

  /** message.typing: announces typing to the room. */
  typing(roomId: UUID): Promise<void> {
    return this.request("message.typing", { room_id: roomId });
  }

  /** message.modify update: replaces the content of one's own message. */
  editMessage(messageId: UUID, content: string): Promise<void> {
    return this.request("message.modify", { action: "update", message_id: messageId, extra_fields: { content } });
  }

  /** message.modify delete: deletes one's own messages (all of one room). */
  deleteMessages(messageIds: MessageIds): Promise<void> {
    return this.request("message.modify", { action: "delete", message_id: messageIds });
  }

  /** room.create; every member gets roomcreate.dispatch with the room. */
  createRoom(data: ClientEventMap["room.create"]): Promise<void> {
    return this.request("room.create", data);
  }

  /** room.list: the caller's rooms in list form. */
  listRooms(): Promise<RoomListItem[]> {
    return this.call("room.list", undefined, { eventType: "roomlist.dispatch", match: () => true }) as Promise<RoomListItem[]>;
  }

  /** room.info: a room in detail form. */
  roomInfo(roomId: UUID): Promise<RoomDetail> {
    return this.call("room.info", { room_id: roomId }, {
      eventType: "roominfo.dispatch",
      match: (d) => (d as RoomDetail).id === roomId,
    }) as Promise<RoomDetail>;
  }

  /** room.messages: a room's history, newest first, or one page of it. */
  messages(roomId: UUID): Promise<RoomMessages>;
  messages(roomId: UUID, paginate: { page: number; size: number }): Promise<PaginatedRoomMessages>;
  messages(roomId: UUID, paginate?: { page: number; size: number }): Promise<RoomMessages | PaginatedRoomMessages> {
    const data: ClientEventMap["room.messages"] = paginate ? { room_id: roomId, paginate } : { room_id: roomId };
    return this.call("room.messages", data, {
      eventType: "roommessages.dispatch",
      match: (d) => {
        const m = d as RoomMessages | PaginatedRoomMessages;
        return m.data.room_id === roomId && ("page" in m) === (paginate !== undefined);
      },
    }) as Promise<RoomMessages | PaginatedRoomMessages>;
  }

  /** room.join: joins a public channel. */
  join(roomId: UUID): Promise<void> {
    return this.request("room.join", { room_id: roomId });
  }

  /** room.leave: leaves a group or channel. */
  leave(roomId: UUID): Promise<void> {
    return this.request("room.leave", { room_id: roomId });
  }

  /** room.add_members. */
  addMembers(roomId: UUID, userIds: number[]): Promise<void> {
    return this.request("room.add_members", { room_id: roomId, members: userIds });
  }

  /** room.remove_members. */
  removeMembers(roomId: UUID, userIds: number[]): Promise<void> {
    return this.request("room.remove_members", { room_id: roomId, members: userIds });
  }

  /** room.modify: update, delete, roles and permissions. */
  modifyRoom(data: ClientEventMap["room.modify"]): Promise<void> {
    return this.request("room.modify", data);
  }

  // Connection management.

  private async open(): Promise<void> {
    this._state = "connecting";
    let token: string;
    try {
      token = typeof this.opts.token === "function" ? await this.opts.token() : this.opts.token;
    } catch (err) {
      this.scheduleReconnect(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.stopped) return;
    // In a browser the URL may be relative to the page, and http(s) stands for ws(s).
    const url = new URL(this.opts.url, (globalThis as { location?: { href: string } }).location?.href);
    if (url.protocol === "http:") url.protocol = "ws:";
    else if (url.protocol === "https:") url.protocol = "wss:";
    url.searchParams.set("token", token);
    let ws: WebSocketLike;
    try {
      ws = new this.WS(url.toString());
    } catch (err) {
      this.scheduleReconnect(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.ws = ws;
    this.accepted = false;
    // A server that accepts the TCP connection but never answers (stopped,
    // overloaded) would leave the connect pending for ever.
    this.connectTimer = setTimeout(() => {
      if (this.ws === ws && !this.accepted) this.closed(1006, "connect timeout");
    }, this.opts.connectTimeoutMs ?? 30000);
    ws.onopen = () => {
      if (this.ws !== ws) return;
      // The first heartbeat's reply tells the token was accepted: a refused
      // token is closed with 4001 before the server reads any frame.
      this.fence({ ready: true });
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.receive(ev.data);
    };
    // An error ends the connection: a close event may follow (browsers), or
    // not (Node 20's WebSocket when the connect fails); the first one counts.
    ws.onerror = () => {
      if (this.ws === ws) this.closed(1006, "connection error");
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.closed(ev.code, ev.reason);
    };
  }

  private closed(code: number, reason: string): void {
    const auth = code === 4001 ? new AuthError(4001, reason || "Unauthorized") : undefined;
    this.teardown(new ConnectionClosedError());
    if (this.stopped) return;
    // A refused token is final, unless a token function may give a fresh one
    // to a client that had been connected (its token expired meanwhile):
    // then one more attempt, and a second refusal in a row is final.
    const retryAuth = auth !== undefined && typeof this.opts.token === "function" && this.everOpen && !this.authRetried;
    if (retryAuth) this.authRetried = true;
    if (auth && !retryAuth) {
      this.stopped = true;
      this._state = "closed";
      this.emit("close", { code, reason, willReconnect: false, error: auth });
      this.ready?.reject(auth);
      this.ready = null;
      return;
    }
    const willReconnect = this.opts.reconnect !== false && this.attempt < this.maxAttempts();
    this.emit("close", { code, reason, willReconnect, ...(auth ? { error: auth } : {}) });
    this.scheduleReconnect(new ConnectionClosedError(`the connection closed (${code}${reason ? " " + reason : ""})`));
  }

  private maxAttempts(): number {
    const r = this.opts.reconnect;
    return typeof r === "object" && r.maxAttempts !== undefined ? r.maxAttempts : Infinity;
  }

  private scheduleReconnect(cause: Error): void {
    this.ws = null;
    if (this.stopped) return;
    if (this.opts.reconnect === false || this.attempt >= this.maxAttempts()) {
      this.stopped = true;
      this._state = "closed";
      this.ready?.reject(cause);
      this.ready = null;
      return;
    }
    const backoff = typeof this.opts.reconnect === "object" ? this.opts.reconnect : {};
    const delayMs = backoffDelay(this.attempt, backoff, this.opts.random);
    this.attempt++;
    this._state = "connecting";
    this.emit("reconnecting", { attempt: this.attempt, delayMs });
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.open();
    }, delayMs);
  }

  /** Fails everything in flight with err and stops the heartbeat. */
  private teardown(err: Error): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    const windows = this.windows;
    this.windows = [];
    this.unfenced = 0;
    for (const w of windows) {
      w.pending?.reject(w.pending.error ?? err);
      w.heartbeat?.reject(err);
    }
    for (const p of this.waiting) p.reject(err);
    this.waiting = [];
    if (this.ws) {
      const ws = this.ws;
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.onerror = () => {};
      if (ws.readyState <= OPEN) ws.close(1000);
    }
    this.ws = null;
    if (this._state === "open") this._state = "connecting";
  }

  private becameReady(): void {
    this.accepted = true;
    this.authRetried = false;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this._state = "open";
    this.attempt = 0;
    const reconnected = this.everOpen;
    this.everOpen = true;
    const interval = this.opts.heartbeatIntervalMs ?? 25000;
    if (interval > 0) {
      const timeout = this.opts.heartbeatTimeoutMs ?? 2 * interval;
      this.timer = setInterval(() => this.beat(timeout), interval);
    }
    this.emit("open", { reconnected });
    this.ready?.resolve();
    this.ready = null;
  }

  /** The heartbeat timer: a dead connection (its oldest heartbeat unanswered too long) is reopened. */
  private beat(timeout: number): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return;
    const oldest = this.windows[0];
    if (oldest && Date.now() - oldest.sentAt > timeout) {
      this.teardown(new ConnectionClosedError("the server stopped answering heartbeats"));
      this.emit("close", { code: 1006, reason: "heartbeat timeout", willReconnect: this.opts.reconnect !== false });
      this.scheduleReconnect(new ConnectionClosedError("the server stopped answering heartbeats"));
      return;
    }
    this.fence({});
  }

  // Frames.

  private write(eventType: string, data: unknown): void {
    if (!this.ws || this.ws.readyState !== OPEN || this._state !== "open") {
      throw new ConnectionClosedError("not connected");
    }
    this.ws.send(JSON.stringify(data === undefined ? { event_type: eventType } : { event_type: eventType, data }));
  }

  /** Sends a heartbeat ending the current window. */
  private fence(w: Omit<Window, "sentAt" | "frames" | "errors">): void {
    this.ws!.send('{"event_type":"session.heartbeat"}');
    this.windows.push({ ...w, sentAt: Date.now(), frames: w.pending ? 1 : this.unfenced, errors: 0 });
    this.unfenced = 0;
  }

  private call(eventType: ClientEventType, data: unknown, expect?: Expectation<ServerEventType>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, accepted: false, ...(expect ? { expect } : {}) };
      try {
        // Frames of send() get a window of their own, so that their errors
        // are not taken for this request's.
        if (this.unfenced > 0) this.fence({});
        this.write(eventType, data);
      } catch (err) {
        reject(err as Error);
        return;
      }
      if (expect) this.waiting.push(p);
      this.fence({ pending: p });
    });
  }

  private receive(raw: unknown): void {
    if (typeof raw !== "string") return;
    let frame: { [k: string]: unknown };
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (frame.status === "success" && !("eventType" in frame)) {
      this.answered();
      return;
    }
    if ("error" in frame) {
      const e = frame.error as { code: number; detail: never } | string;
      this.failed(typeof e === "string" ? new InvalidEventError() : chatError(e.code, e.detail));
      return;
    }
    if (typeof frame.eventType === "string") this.dispatch(frame.eventType, frame.data);
  }

  /** A heartbeat reply: the oldest window's frames were all handled. */
  private answered(): void {
    const w = this.windows.shift();
    if (w) this.complete(w);
  }

  /** Ends a window: its heartbeat was answered, or failed with heartbeatError. */
  private complete(w: Window, heartbeatError?: ChatError): void {
    if (heartbeatError) w.heartbeat?.reject(heartbeatError);
    else {
      this.emit("heartbeat", {});
      w.heartbeat?.resolve();
    }
    // Either answer means the server read the frame: the token was accepted.
    if (w.ready) this.becameReady();
    const p = w.pending;
    if (!p) return;
    if (p.error) {
      this.waiting = this.waiting.filter((x) => x !== p);
      p.reject(p.error);
      return;
    }
    p.accepted = true;
    if (!p.expect) p.resolve(undefined);
    else if (p.event) p.resolve(p.event.data);
  }

  private failed(err: ChatError): void {
    const w = this.windows[0];
    if (!w) {
      this.emit("error", err);
      return;
    }
    w.errors++;
    if (w.errors > w.frames) {
      this.windows.shift();
      if (!w.heartbeat) this.emit("error", err);
      this.complete(w, err);
    } else if (w.pending && !w.pending.error) w.pending.error = err;
    else this.emit("error", err);
  }

  private dispatch(eventType: string, data: unknown): void {
    if (!knownEvents.has(eventType)) {
      this.emit("custom", { eventType, data });
      return;
    }
    const type = eventType as ServerEventType;
    for (const p of this.waiting) {
      if (!p.event && p.expect!.eventType === type && p.expect!.match(data as never)) {
        p.event = { data };
        this.waiting = this.waiting.filter((x) => x !== p);
        if (p.accepted) p.resolve(data);
        break;
      }
    }
    this.emit(type, data as never);
    this.emit("event", { eventType: type, data } as ServerEvent);
    if (this.opts.autoAcknowledge) this.autoAcknowledge(type, data);
  }

  private autoAcknowledge(type: ServerEventType, data: unknown): void {
    let ids: UUID[] = [];
    if (type === "chat.notifications") {
      const byRoom = data as ServerEventMap["chat.notifications"];
      ids = Object.values(byRoom).flatMap((ns) => ns.map((n) => n.message.id));
    } else if (type === "message.dispatch") {
      const m = data as Message;
      if (m.sender.id !== this.opts.userId) ids = [m.id];
    }
    if (ids.length === 0) return;
    // The notifications frame arrives before the connection is ready; wait for it.
    const ack = () => this.acknowledge(ids).catch((err: Error) => err instanceof ChatError && this.emit("error", err));
    if (this._state === "open") void ack();
    else void this.next("open").then(ack);
  }

  private emit<K extends keyof ClientEvents>(name: K, value: ClientEvents[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as Listener<ClientEvents[K]>)(value);
      } catch (err) {
        // A listener's fault must not break the connection's bookkeeping.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }
}

function chunks(ids: MessageIds): MessageIds[] {
  if (!Array.isArray(ids)) return [ids];
  const out: UUID[][] = [];
  for (let i = 0; i < ids.length; i += maxIds) out.push(ids.slice(i, i + maxIds));
  return out.length > 0 ? out : [[]];
}
