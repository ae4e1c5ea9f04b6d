// ChatClient: one logical connection to a chatwasm server, kept open across
// network failures and server restarts.
import { backoffDelay } from "./backoff.js";
import { AuthError, ChatError, ConnectionClosedError, InvalidEventError, chatError } from "./errors.js";
import { SERVER_EVENT_TYPES } from "./protocol.js";
const OPEN = 1;
const knownEvents = new Set(SERVER_EVENT_TYPES);
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
    constructor(opts) {
        this.listeners = new Map();
        this.ws = null;
        this.windows = [];
        /** Frames sent with send() since the last heartbeat. */
        this.unfenced = 0;
        this.waiting = [];
        this.timer = null;
        this.retry = null;
        this.connectTimer = null;
        this.attempt = 0;
        this.everOpen = false;
        this.accepted = false;
        this.authRetried = false;
        this.stopped = false;
        this.ready = null;
        this._state = "idle";
        this.opts = opts;
        const WS = opts.WebSocket ?? globalThis.WebSocket;
        if (!WS) {
            throw new Error("chatwasm: no WebSocket: pass the WebSocket option (in Node 20 run with --experimental-websocket, or use the ws package)");
        }
        this.WS = WS;
    }
    /** The connection's state: idle before connect(), open while ready, connecting in between, closed after close() or a final failure. */
    get state() {
        return this._state;
    }
    /** Subscribes to an event; returns the function that unsubscribes. */
    on(name, listener) {
        let set = this.listeners.get(name);
        if (!set)
            this.listeners.set(name, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
    }
    /**
     * Resolves with the data of the next event `name` for which `match` holds
     * (every one by default).
     */
    next(name, match = () => true) {
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
    connect() {
        if (this._state === "open")
            return Promise.resolve();
        const p = new Promise((resolve, reject) => {
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
    close() {
        this.stopped = true;
        if (this.retry)
            clearTimeout(this.retry);
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
    send(eventType, data) {
        if (eventType === "session.heartbeat") {
            void this.heartbeat().catch(() => { });
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
    request(eventType, data) {
        return this.call(eventType, data);
    }
    /** Sends session.heartbeat; resolves when it is answered. */
    heartbeat() {
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
    sendMessage(roomId, content, opts = {}) {
        const extra = {};
        if (opts.parentMessageId !== undefined)
            extra.parent_message_id = opts.parentMessageId;
        if (opts.forwardedFromId !== undefined)
            extra.forwarded_from_id = opts.forwardedFromId;
        if (opts.media !== undefined)
            extra.media = opts.media;
        const data = { room_id: roomId, content };
        if (Object.keys(extra).length > 0)
            data.extra_fields = extra;
        return this.request("message.send", data);
    }
    /**
     * message.acknowledged: tells the senders these messages were delivered
     * (they get messagedelivered.dispatch) and clears the caller's
     * notifications of them. Lists longer than the server's 1000 are split.
     */
    async acknowledge(messageIds) {
        for (const chunk of chunks(messageIds))
            await this.request("message.acknowledged", { message_id: chunk });
    }
    /**
     * message.read: read receipts for these messages (readreceipt.dispatch to
     * the room). Reading one's own message does nothing; reading a message
     * twice is an IntegrityError (4005).
     */
    async markRead(messageIds) {
        for (const chunk of chunks(messageIds))
            await this.request("message.read", { message_id: chunk });
    }
    /** message.react add: reacts, replacing the caller's previous reaction to the message. */
    react(messageId, reaction) {
        return this.request("message.react", { type: "add", message_id: messageId, reaction_content: reaction });
    }
    /** message.react remove: removes the caller's reaction. */
    unreact(messageId) {
        return this.request("message.react", { type: "remove", message_id: messageId });
    }
    /** message.typing: announces typing to the room. */
    typing(roomId) {
        return this.request("message.typing", { room_id: roomId });
    }
    /** message.modify update: replaces the content of one's own message. */
    editMessage(messageId, content) {
        return this.request("message.modify", { action: "update", message_id: messageId, extra_fields: { content } });
    }
    /** message.modify delete: deletes one's own messages (all of one room). */
    deleteMessages(messageIds) {
        return this.request("message.modify", { action: "delete", message_id: messageIds });
    }
    /** room.create; every member gets roomcreate.dispatch with the room. */
    createRoom(data) {
        return this.request("room.create", data);
    }
    /** room.list: the caller's rooms in list form. */
    listRooms() {
        return this.call("room.list", undefined, { eventType: "roomlist.dispatch", match: () => true });
    }
    /** room.info: a room in detail form. */
    roomInfo(roomId) {
        return this.call("room.info", { room_id: roomId }, {
            eventType: "roominfo.dispatch",
            match: (d) => d.id === roomId,
        });
    }
    messages(roomId, paginate) {
        const data = paginate ? { room_id: roomId, paginate } : { room_id: roomId };
        return this.call("room.messages", data, {
            eventType: "roommessages.dispatch",
            match: (d) => {
                const m = d;
                return m.data.room_id === roomId && ("page" in m) === (paginate !== undefined);
            },
        });
    }
    /** room.join: joins a public channel. */
    join(roomId) {
        return this.request("room.join", { room_id: roomId });
    }
    /** room.leave: leaves a group or channel. */
    leave(roomId) {
        return this.request("room.leave", { room_id: roomId });
    }
    /** room.add_members. */
    addMembers(roomId, userIds) {
        return this.request("room.add_members", { room_id: roomId, members: userIds });
    }
    /** room.remove_members. */
    removeMembers(roomId, userIds) {
        return this.request("room.remove_members", { room_id: roomId, members: userIds });
    }
    /** room.modify: update, delete, roles and permissions. */
    modifyRoom(data) {
        return this.request("room.modify", data);
    }
    // Connection management.
    async open() {
        this._state = "connecting";
        let token;
        try {
            token = typeof this.opts.token === "function" ? await this.opts.token() : this.opts.token;
        }
        catch (err) {
            this.scheduleReconnect(err instanceof Error ? err : new Error(String(err)));
            return;
        }
        if (this.stopped)
            return;
        // In a browser the URL may be relative to the page, and http(s) stands for ws(s).
        const url = new URL(this.opts.url, globalThis.location?.href);
        if (url.protocol === "http:")
            url.protocol = "ws:";
        else if (url.protocol === "https:")
            url.protocol = "wss:";
        url.searchParams.set("token", token);
        let ws;
        try {
            ws = new this.WS(url.toString());
        }
        catch (err) {
            this.scheduleReconnect(err instanceof Error ? err : new Error(String(err)));
            return;
        }
        this.ws = ws;
        this.accepted = false;
        // A server that accepts the TCP connection but never answers (stopped,
        // overloaded) would leave the connect pending for ever.
        this.connectTimer = setTimeout(() => {
            if (this.ws === ws && !this.accepted)
                this.closed(1006, "connect timeout");
        }, this.opts.connectTimeoutMs ?? 30000);
        ws.onopen = () => {
            if (this.ws !== ws)
                return;
            // The first heartbeat's reply tells the token was accepted: a refused
            // token is closed with 4001 before the server reads any frame.
            this.fence({ ready: true });
        };
        ws.onmessage = (ev) => {
            if (this.ws === ws)
                this.receive(ev.data);
        };
        // An error ends the connection: a close event may follow (browsers), or
        // not (Node 20's WebSocket when the connect fails); the first one counts.
        ws.onerror = () => {
            if (this.ws === ws)
                this.closed(1006, "connection error");
        };
        ws.onclose = (ev) => {
            if (this.ws === ws)
                this.closed(ev.code, ev.reason);
        };
    }
    closed(code, reason) {
        const auth = code === 4001 ? new AuthError(4001, reason || "Unauthorized") : undefined;
        this.teardown(new ConnectionClosedError());
        if (this.stopped)
            return;
        // A refused token is final, unless a token function may give a fresh one
        // to a client that had been connected (its token expired meanwhile):
        // then one more attempt, and a second refusal in a row is final.
        const retryAuth = auth !== undefined && typeof this.opts.token === "function" && this.everOpen && !this.authRetried;
        if (retryAuth)
            this.authRetried = true;
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
    maxAttempts() {
        const r = this.opts.reconnect;
        return typeof r === "object" && r.maxAttempts !== undefined ? r.maxAttempts : Infinity;
    }
    scheduleReconnect(cause) {
        this.ws = null;
        if (this.stopped)
            return;
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
    teardown(err) {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
        if (this.connectTimer)
            clearTimeout(this.connectTimer);
        this.connectTimer = null;
        const windows = this.windows;
        this.windows = [];
        this.unfenced = 0;
        for (const w of windows) {
            w.pending?.reject(w.pending.error ?? err);
            w.heartbeat?.reject(err);
        }
        for (const p of this.waiting)
            p.reject(err);
        this.waiting = [];
        if (this.ws) {
            const ws = this.ws;
            ws.onopen = ws.onmessage = ws.onclose = null;
            ws.onerror = () => { };
            if (ws.readyState <= OPEN)
                ws.close(1000);
        }
        this.ws = null;
        if (this._state === "open")
            this._state = "connecting";
    }
    becameReady() {
        this.accepted = true;
        this.authRetried = false;
        if (this.connectTimer)
            clearTimeout(this.connectTimer);
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
    beat(timeout) {
        const ws = this.ws;
        if (!ws || ws.readyState !== OPEN)
            return;
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
    write(eventType, data) {
        if (!this.ws || this.ws.readyState !== OPEN || this._state !== "open") {
            throw new ConnectionClosedError("not connected");
        }
        this.ws.send(JSON.stringify(data === undefined ? { event_type: eventType } : { event_type: eventType, data }));
    }
    /** Sends a heartbeat ending the current window. */
    fence(w) {
        this.ws.send('{"event_type":"session.heartbeat"}');
        this.windows.push({ ...w, sentAt: Date.now(), frames: w.pending ? 1 : this.unfenced, errors: 0 });
        this.unfenced = 0;
    }
    call(eventType, data, expect) {
        return new Promise((resolve, reject) => {
            const p = { resolve, reject, accepted: false, ...(expect ? { expect } : {}) };
            try {
                // Frames of send() get a window of their own, so that their errors
                // are not taken for this request's.
                if (this.unfenced > 0)
                    this.fence({});
                this.write(eventType, data);
            }
            catch (err) {
                reject(err);
                return;
            }
            if (expect)
                this.waiting.push(p);
            this.fence({ pending: p });
        });
    }
    receive(raw) {
        if (typeof raw !== "string")
            return;
        let frame;
        try {
            frame = JSON.parse(raw);
        }
        catch {
            return;
        }
        if (frame.status === "success" && !("eventType" in frame)) {
            this.answered();
            return;
        }
        if ("error" in frame) {
            const e = frame.error;
            this.failed(typeof e === "string" ? new InvalidEventError() : chatError(e.code, e.detail));
            return;
        }
        if (typeof frame.eventType === "string")
            this.dispatch(frame.eventType, frame.data);
    }
    /** A heartbeat reply: the oldest window's frames were all handled. */
    answered() {
        const w = this.windows.shift();
        if (w)
            this.complete(w);
    }
    /** Ends a window: its heartbeat was answered, or failed with heartbeatError. */
    complete(w, heartbeatError) {
        if (heartbeatError)
            w.heartbeat?.reject(heartbeatError);
        else {
            this.emit("heartbeat", {});
            w.heartbeat?.resolve();
        }
        // Either answer means the server read the frame: the token was accepted.
        if (w.ready)
            this.becameReady();
        const p = w.pending;
        if (!p)
            return;
        if (p.error) {
            this.waiting = this.waiting.filter((x) => x !== p);
            p.reject(p.error);
            return;
        }
        p.accepted = true;
        if (!p.expect)
            p.resolve(undefined);
        else if (p.event)
            p.resolve(p.event.data);
    }
    failed(err) {
        const w = this.windows[0];
        if (!w) {
            this.emit("error", err);
            return;
        }
        w.errors++;
        if (w.errors > w.frames) {
            this.windows.shift();
            if (!w.heartbeat)
                this.emit("error", err);
            this.complete(w, err);
        }
        else if (w.pending && !w.pending.error)
            w.pending.error = err;
        else
            this.emit("error", err);
    }
    dispatch(eventType, data) {
        if (!knownEvents.has(eventType)) {
            this.emit("custom", { eventType, data });
            return;
        }
        const type = eventType;
        for (const p of this.waiting) {
            if (!p.event && p.expect.eventType === type && p.expect.match(data)) {
                p.event = { data };
                this.waiting = this.waiting.filter((x) => x !== p);
                if (p.accepted)
                    p.resolve(data);
                break;
            }
        }
        this.emit(type, data);
        this.emit("event", { eventType: type, data });
        if (this.opts.autoAcknowledge)
            this.autoAcknowledge(type, data);
    }
    autoAcknowledge(type, data) {
        let ids = [];
        if (type === "chat.notifications") {
            const byRoom = data;
            ids = Object.values(byRoom).flatMap((ns) => ns.map((n) => n.message.id));
        }
        else if (type === "message.dispatch") {
            const m = data;
            if (m.sender.id !== this.opts.userId)
                ids = [m.id];
        }
        if (ids.length === 0)
            return;
        // The notifications frame arrives before the connection is ready; wait for it.
        const ack = () => this.acknowledge(ids).catch((err) => err instanceof ChatError && this.emit("error", err));
        if (this._state === "open")
            void ack();
        else
            void this.next("open").then(ack);
    }
    emit(name, value) {
        const set = this.listeners.get(name);
        if (!set)
            return;
        for (const l of [...set]) {
            try {
                l(value);
            }
            catch (err) {
                // A listener's fault must not break the connection's bookkeeping.
                setTimeout(() => {
                    throw err;
                });
            }
        }
    }
}
function chunks(ids) {
    if (!Array.isArray(ids))
        return [ids];
    const out = [];
    for (let i = 0; i < ids.length; i += maxIds)
        out.push(ids.slice(i, i + maxIds));
    return out.length > 0 ? out : [[]];
}
