// The chatwasm web app: one page, no framework, the protocol only through the
// TypeScript SDK (clients/js). See web/README.md for what it does and how it
// is built and tested.
import { AuthError, ChatClient, ChatError, ConnectionClosedError, } from "../../clients/js/src/index.js";
import { byId, h } from "./dom.js";
import { attachment, isWebLink } from "./media.js";
import { clearSession, loadSession, saveSession } from "./session.js";
/** Messages per page of history. */
const pageSize = 30;
/** The reactions offered on every message. */
const reactions = ["👍", "❤️", "😂", "🎉"];
/** How often typing is announced while the user types, and how long "X is typing" stays up. */
const typingEveryMs = 2500;
const typingShownMs = 5000;
let session = null;
let client = null;
/** The rooms by id, in the server's order (newest last message first). */
let rooms = [];
const unread = new Map();
/** Messages counted as unread already (a message may come both live and in the connect-time notifications). */
const counted = new Set();
/** The open room. */
let current = null;
/** The open room's messages by id. */
const shown = new Map();
/** Messages this tab has marked read (a second read is refused by the server). */
const readSent = new Set();
/** What the composer does besides sending: reply to or edit a message. */
let composing = null;
let forwarding = null;
let lastTypingSent = 0;
const typers = new Map();
// ---------------------------------------------------------------- sign-in
function start() {
    session = loadSession();
    byId("signin-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        const input = byId("signin-token");
        const token = input.value.trim();
        if (token === "")
            return;
        input.value = "";
        session = saveSession(token, undefined);
        void connect();
    });
    byId("signout").addEventListener("click", signOut);
    wireComposer();
    wireRoomForms();
    wirePanel();
    // Messages that arrived while the tab was hidden are read when it shows.
    document.addEventListener("visibilitychange", () => markRead([...shown.values()]));
    if (session === null)
        showSignIn("");
    else
        void connect();
}
function showSignIn(reason) {
    byId("signin").hidden = false;
    byId("app").hidden = true;
    byId("signin-reason").textContent = reason;
    byId("signin-token").focus();
}
function signOut() {
    clearSession();
    client?.close();
    client = null;
    session = null;
    location.reload();
}
// ---------------------------------------------------------------- connection
/** The WebSocket endpoint's path (serve's --ws-path), from the server's /config.json. */
async function wsPath() {
    try {
        const res = await fetch("config.json", { cache: "no-store" });
        const cfg = (await res.json());
        if (res.ok && typeof cfg.wsPath === "string" && cfg.wsPath.startsWith("/"))
            return cfg.wsPath;
    }
    catch {
        // The default below.
    }
    return "/messaging/";
}
async function connect() {
    const s = session;
    if (s === null)
        return;
    byId("signin").hidden = true;
    byId("app").hidden = false;
    showMe();
    setStatus("Connecting…", "connecting");
    const opts = {
        url: new URL(await wsPath(), location.href).href,
        token: s.token,
        autoAcknowledge: true,
        ...(s.userId !== undefined ? { userId: s.userId } : {}),
    };
    const c = new ChatClient(opts);
    client = c;
    c.on("open", ({ reconnected }) => {
        setStatus("Connected", "open");
        void refreshRooms();
        if (reconnected && current !== null)
            void loadHistory(current.id, 1);
    });
    c.on("close", ({ error, willReconnect }) => {
        if (error instanceof AuthError) {
            clearSession();
            showSignIn("The server refused the token (expired or revoked): open a new sign-in link.");
            return;
        }
        if (!willReconnect)
            setStatus("Disconnected", "closed");
    });
    c.on("reconnecting", ({ delayMs }) => setStatus(`Reconnecting in ${Math.ceil(delayMs / 1000)} s…`, "reconnecting"));
    c.on("chat.notifications", (byRoom) => {
        for (const [roomId, list] of Object.entries(byRoom)) {
            for (const n of list) {
                if (n.notification_type !== "REACTION")
                    countUnread(roomId, n.message);
            }
        }
        renderRooms();
    });
    c.on("message.dispatch", (m) => {
        learnMe(m.sender);
        if (current !== null && m.room.id === current.id) {
            showMessage(m);
            markRead([m]);
        }
        else {
            countUnread(m.room.id, m);
        }
        const room = rooms.find((r) => r.id === m.room.id);
        if (room) {
            room.last_message = m;
            rooms = [room, ...rooms.filter((r) => r !== room)];
            renderRooms();
        }
        else {
            void refreshRooms();
        }
    });
    c.on("messagedelivered.dispatch", (list) => list.forEach(updateMessage));
    c.on("readreceipt.dispatch", (data) => (Array.isArray(data) ? data : [data]).forEach(updateMessage));
    c.on("reaction.dispatch", (r) => updateMessage(r.message));
    c.on("messagemodification.dispatch", (mod) => {
        if (mod.action === "update") {
            updateMessage(mod.message);
            return;
        }
        const ids = Array.isArray(mod.message_ids) ? mod.message_ids : [mod.message_ids];
        for (const id of ids)
            removeMessage(String(id));
    });
    c.on("messagetyping.dispatch", ({ username }) => showTyping(username));
    c.on("roomcreate.dispatch", () => void refreshRooms());
    c.on("roomaddmembers.dispatch", (d) => roomChanged(d.room));
    c.on("roomremovemembers.dispatch", (d) => roomChanged(d.room));
    c.on("roomupdate.dispatch", (d) => roomChanged(d));
    c.on("roomexit.dispatch", (d) => roomGone(d.room.id, d.message));
    c.on("roomdelete.dispatch", (d) => roomGone(d.room_id, "The room was deleted"));
    c.on("error", (err) => notify(describe("The server answered", err)));
    c.connect().catch((err) => {
        if (!(err instanceof AuthError))
            notify(describe("Could not connect", err));
    });
}
function setStatus(text, state) {
    const el = byId("status");
    el.textContent = text;
    el.dataset.state = state;
}
function showMe() {
    const s = session;
    byId("me").textContent = s?.username ?? (s?.userId !== undefined ? `user ${s.userId}` : "");
}
/** Learns the signed-in user's username from a user object the server sent. */
function learnMe(u) {
    const s = session;
    if (s === null || u === null || u.id !== s.userId || s.username === u.username)
        return;
    session = saveSession(s.token, u.username);
    showMe();
}
function isMe(u) {
    return u !== null && session !== null && (u.id === session.userId || (session.userId === undefined && u.username === session.username));
}
// ---------------------------------------------------------------- errors
/** The text shown for a failed action: the server's own messages, and who refused. */
function describe(what, err) {
    if (err instanceof ChatError) {
        const messages = err.messages.join("; ") || "no detail";
        const who = err.code === 4002 ? "not allowed" : err.code === 4003 || err.code >= 4007 ? "refused" : `error ${err.code}`;
        return `${what}: ${messages} (${who}, code ${err.code})`;
    }
    if (err instanceof ConnectionClosedError)
        return `${what}: the connection closed before the server answered`;
    return `${what}: ${err instanceof Error ? err.message : String(err)}`;
}
function notify(text) {
    const el = byId("notice");
    el.textContent = text;
    el.hidden = text === "";
}
/** Runs an action, showing its failure as a notice. */
async function attempt(what, action) {
    try {
        await action();
        return true;
    }
    catch (err) {
        notify(describe(what, err));
        return false;
    }
}
// ---------------------------------------------------------------- rooms
async function refreshRooms() {
    if (client === null)
        return;
    try {
        rooms = await client.listRooms();
    }
    catch (err) {
        notify(describe("Could not list the rooms", err));
        return;
    }
    for (const r of rooms) {
        if (r.type === "OneToOneChat")
            continue;
        learnMe(r.creator);
    }
    renderRooms();
    renderForwardTargets();
}
function roomName(r) {
    if (r.type !== "OneToOneChat")
        return r.name;
    if ("peer" in r)
        return r.peer?.username ?? "(left)";
    return r.participants.filter((u) => !isMe(u)).map((u) => u.username).join(", ") || "(alone)";
}
const kindLabel = { OneToOneChat: "1-1", GroupChat: "group", Channel: "channel" };
function countUnread(roomId, m) {
    if (isMe(m.sender) || counted.has(m.id))
        return;
    counted.add(m.id);
    unread.set(roomId, (unread.get(roomId) ?? 0) + 1);
}
function renderRooms() {
    const list = byId("room-list");
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.roomId : undefined;
    list.replaceChildren(...rooms.map((r) => {
        const n = unread.get(r.id) ?? 0;
        const button = h("button", { type: "button", class: "room", "data-room-id": r.id, "aria-current": current?.id === r.id ? "true" : undefined }, h("span", { class: "room-name", text: roomName(r) }), h("span", { class: "room-kind", text: kindLabel[r.type] }), n > 0 ? h("span", { class: "unread", text: String(n), "aria-label": `${n} unread` }) : null);
        button.addEventListener("click", () => void openRoom(r.id));
        return h("li", {}, button);
    }));
    if (focused !== undefined)
        list.querySelector(`[data-room-id="${focused}"]`)?.focus();
    byId("no-rooms").hidden = rooms.length > 0;
}
async function openRoom(id) {
    current = { id, detail: null, page: 1, hasNext: false };
    unread.delete(id);
    composing = null;
    renderComposing();
    shown.clear();
    byId("messages").replaceChildren();
    byId("typing").textContent = "";
    // The previous room's details stay out of sight until this one's arrive.
    byId("room-kind").textContent = "";
    byId("room-id").textContent = "";
    byId("member-list").replaceChildren();
    typers.forEach((timer) => window.clearTimeout(timer));
    typers.clear();
    document.body.classList.add("room-open");
    const r = rooms.find((x) => x.id === id);
    byId("room-title").textContent = r ? roomName(r) : "";
    byId("chat").hidden = false;
    renderRooms();
    byId("composer-input").focus();
    await Promise.all([loadHistory(id, 1), loadDetail(id)]);
}
function closeRoom() {
    current = null;
    document.body.classList.remove("room-open");
    byId("chat").hidden = true;
    renderRooms();
}
async function loadDetail(id) {
    if (client === null)
        return;
    try {
        const d = await client.roomInfo(id);
        if (current?.id === id) {
            current.detail = d;
            members(d).forEach(learnMe);
            byId("room-title").textContent = roomName(d);
            renderPanel();
        }
    }
    catch (err) {
        notify(describe("Could not read the room", err));
    }
}
async function loadHistory(id, page) {
    if (client === null)
        return;
    try {
        const res = await client.messages(id, { page, size: pageSize });
        if (current?.id !== id)
            return;
        if (page >= current.page) {
            current.page = page;
            current.hasNext = res.has_next;
        }
        res.data.messages.forEach(showMessage);
        byId("older").hidden = !current.hasNext;
        markRead(res.data.messages);
        if (page === 1)
            scrollToEnd();
    }
    catch (err) {
        notify(describe("Could not load the messages", err));
    }
}
function roomChanged(d) {
    if (current?.id === d.id) {
        current.detail = d;
        renderPanel();
    }
    void refreshRooms();
}
function roomGone(id, why) {
    if (current?.id === id) {
        closeRoom();
        notify(why);
    }
    unread.delete(id);
    void refreshRooms();
}
function wireRoomForms() {
    const kind = byId("new-kind");
    const syncKind = () => {
        const oneToOne = kind.value === "OneToOneChat";
        byId("new-name-row").hidden = oneToOne;
        byId("new-public-row").hidden = kind.value !== "Channel";
        byId("new-members-label").textContent = oneToOne ? "The other user's id" : "Member ids (comma-separated)";
    };
    kind.addEventListener("change", syncKind);
    syncKind();
    byId("new-room").addEventListener("submit", (ev) => {
        ev.preventDefault();
        const c = client;
        if (c === null)
            return;
        const ids = userIds(byId("new-members").value);
        if (ids === null)
            return;
        const name = byId("new-name").value.trim();
        let req;
        if (kind.value === "OneToOneChat") {
            const [other] = ids;
            if (ids.length !== 1 || other === undefined) {
                notify("A 1-1 chat needs exactly one other user's id");
                return;
            }
            req = c.createRoom({ type: "OneToOneChat", participants: [other] });
        }
        else if (kind.value === "GroupChat") {
            req = c.createRoom({ type: "GroupChat", name, participants: ids });
        }
        else {
            const isPublic = byId("new-public").checked;
            req = c.createRoom({ type: "Channel", name, subscribers: ids, extra_fields: { is_public: isPublic } });
        }
        void attempt("Could not create the room", () => req).then((ok) => {
            if (!ok)
                return;
            notify("");
            ev.target.reset();
            syncKind();
        });
    });
    byId("join-room").addEventListener("submit", (ev) => {
        ev.preventDefault();
        const input = byId("join-id");
        const id = input.value.trim();
        const c = client;
        if (c === null || id === "")
            return;
        void attempt("Could not join", () => c.join(id)).then((ok) => {
            if (ok) {
                input.value = "";
                notify("");
                void refreshRooms().then(() => openRoom(id));
            }
        });
    });
    byId("back").addEventListener("click", closeRoom);
    byId("older").addEventListener("click", () => {
        if (current !== null && current.hasNext)
            void loadHistory(current.id, current.page + 1);
    });
}
/** Parses a comma-separated list of user ids, or notifies and returns null. */
function userIds(text) {
    const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const ids = parts.map(Number);
    if (ids.some((n) => !Number.isSafeInteger(n) || n <= 0)) {
        notify(`User ids are numbers (chatwasm user list shows them): "${text}"`);
        return null;
    }
    return ids;
}
// ---------------------------------------------------------------- members panel
function members(d) {
    return d.type === "Channel" ? d.subscribers : d.participants;
}
function admins(d) {
    return d.type === "Channel" ? d.moderators : d.type === "GroupChat" ? d.admins : [];
}
function wirePanel() {
    const toggle = byId("members-button");
    toggle.addEventListener("click", () => {
        const panel = byId("panel");
        panel.hidden = !panel.hidden;
        toggle.setAttribute("aria-expanded", String(!panel.hidden));
    });
    byId("add-member").addEventListener("submit", (ev) => {
        ev.preventDefault();
        const c = client;
        const input = byId("add-member-id");
        const ids = userIds(input.value);
        if (c === null || current === null || ids === null || ids.length === 0)
            return;
        const id = current.id;
        void attempt("Could not add", () => c.addMembers(id, ids)).then((ok) => ok && (input.value = ""));
    });
    byId("leave").addEventListener("click", () => {
        const c = client;
        if (c === null || current === null)
            return;
        const id = current.id;
        void attempt("Could not leave", () => c.leave(id));
    });
    byId("delete-room").addEventListener("click", () => {
        const c = client;
        if (c === null || current === null)
            return;
        const id = current.id;
        void attempt("Could not delete the room", () => c.modifyRoom({ room_id: id, action: "delete" }));
    });
}
function renderPanel() {
    const d = current?.detail;
    if (!d)
        return;
    const me = session?.userId;
    const adminIds = new Set(admins(d).map((u) => u.id));
    const creatorId = d.type === "OneToOneChat" ? undefined : d.creator?.id;
    const iAmAdmin = me !== undefined && (adminIds.has(me) || creatorId === me);
    const roleWord = d.type === "Channel" ? "moderator" : "admin";
    byId("room-kind").textContent =
        d.type === "OneToOneChat" ? "1-1 chat" : d.type === "GroupChat" ? "Group" : d.is_public ? "Public channel" : "Private channel";
    byId("room-id").textContent = d.id;
    byId("member-list").replaceChildren(...members(d).map((u) => {
        const isAdmin = adminIds.has(u.id);
        const badges = [u.id === creatorId ? "creator" : "", isAdmin ? roleWord : ""].filter((b) => b !== "").join(", ");
        const li = h("li", { "data-user-id": String(u.id) }, h("span", { class: "member-name", text: `${u.username} (id ${u.id})` }), badges ? h("span", { class: "badge", text: badges }) : null);
        if (iAmAdmin && d.type !== "OneToOneChat" && u.id !== me && u.id !== creatorId) {
            const c = client;
            const role = h("button", { type: "button", text: isAdmin ? `Remove ${roleWord}` : `Make ${roleWord}` });
            role.addEventListener("click", () => {
                if (c === null)
                    return;
                const action = (isAdmin ? "remove_" : "add_") + roleWord;
                void attempt("Could not change the role", () => c.modifyRoom({ room_id: d.id, action: action, data: { users: [u.id] } }));
            });
            const remove = h("button", { type: "button", text: "Remove" });
            remove.addEventListener("click", () => c && void attempt("Could not remove", () => c.removeMembers(d.id, [u.id])));
            li.append(role, remove);
        }
        return li;
    }));
    byId("add-member").hidden = d.type === "OneToOneChat";
    byId("leave").hidden = d.type === "OneToOneChat";
    byId("delete-room").hidden = d.type !== "OneToOneChat" && creatorId !== me;
}
// ---------------------------------------------------------------- messages
function time(ts) {
    const d = new Date(ts);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
function excerpt(m) {
    const text = m.content.length > 80 ? m.content.slice(0, 80) + "…" : m.content;
    return `${m.sender.username}: ${text}`;
}
function renderMessage(m) {
    const mine = isMe(m.sender);
    const readers = m.read_receipts.filter((r) => !isMe(r.reader)).map((r) => r.reader.username);
    const delivered = m.delivered_to.filter((u) => u !== m.sender.username);
    const myReaction = m.reactions.find((r) => isMe(r.user))?.reaction_content;
    const counts = new Map();
    for (const r of m.reactions)
        counts.set(r.reaction_content, [...(counts.get(r.reaction_content) ?? []), r.user.username]);
    const actions = h("div", { class: "actions", role: "group", "aria-label": "Message actions" });
    const action = (name, label, run, attrs = {}) => {
        const b = h("button", { type: "button", "data-action": name, text: label, ...attrs });
        b.addEventListener("click", run);
        actions.append(b);
    };
    action("reply", "Reply", () => compose("reply", m));
    action("forward", "Forward", () => openForward(m));
    for (const r of reactions) {
        const on = myReaction === r;
        action(`react-${r}`, r, () => react(m, r, on), {
            "aria-pressed": String(on),
            "aria-label": on ? `Remove your ${r} reaction` : `React with ${r}`,
        });
    }
    if (mine) {
        action("edit", "Edit", () => compose("edit", m));
        action("delete", "Delete", () => {
            const c = client;
            if (c)
                void attempt("Could not delete", () => c.deleteMessages([m.id]));
        });
    }
    return h("li", { class: mine ? "message mine" : "message", "data-id": m.id, "data-created": m.created_at }, h("div", { class: "meta" }, h("span", { class: "sender", text: m.sender.username }), h("time", { datetime: m.created_at, text: time(m.created_at) }), m.is_edited ? h("span", { class: "edited", text: "edited" }) : null), m.parent_message ? h("blockquote", { class: "reply-to", text: `↪ ${excerpt(m.parent_message)}` }) : null, m.forwarded_from ? h("p", { class: "forwarded", text: `Forwarded from ${m.forwarded_from.sender.username}` }) : null, h("p", { class: "content", text: m.content }), m.attachments.length > 0
        ? h("ul", { class: "attachments" }, ...m.attachments.map((a) => h("li", {}, isWebLink(a.media_url)
            ? h("a", { href: a.media_url, target: "_blank", rel: "noopener noreferrer", text: a.caption || a.media_url })
            : h("span", { text: a.media_url }), h("span", { class: "mime", text: ` (${a.mime_type})` }))))
        : null, counts.size > 0
        ? h("p", { class: "reactions" }, ...[...counts].map(([r, users]) => h("span", { class: "reaction", title: users.join(", "), text: `${r} ${users.length}` })))
        : null, mine && readers.length > 0 ? h("p", { class: "receipts", text: `Read by ${readers.join(", ")}` }) : null, mine && readers.length === 0 && delivered.length > 0
        ? h("p", { class: "delivered", text: `Delivered to ${delivered.join(", ")}` })
        : null, actions);
}
/** Shows m in the open room, in time order, replacing its older rendering. */
function showMessage(m) {
    if (current === null || m.room.id !== current.id || m.is_deleted)
        return;
    shown.set(m.id, m);
    const list = byId("messages");
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const li = renderMessage(m);
    const old = list.querySelector(`[data-id="${m.id}"]`);
    if (old) {
        const focusedAction = document.activeElement instanceof HTMLElement && old.contains(document.activeElement)
            ? document.activeElement.dataset.action
            : undefined;
        old.replaceWith(li);
        if (focusedAction)
            li.querySelector(`[data-action="${focusedAction}"]`)?.focus();
        return;
    }
    const later = [...list.children].find((el) => (el.dataset.created ?? "") > m.created_at);
    list.insertBefore(li, later ?? null);
    if (!later && atEnd)
        scrollToEnd();
}
function updateMessage(m) {
    if (shown.has(m.id))
        showMessage(m);
}
function removeMessage(id) {
    shown.delete(id);
    byId("messages").querySelector(`[data-id="${id}"]`)?.remove();
}
function scrollToEnd() {
    const list = byId("messages");
    list.scrollTop = list.scrollHeight;
}
/** Marks read the messages of others that this user has not read yet. */
function markRead(list) {
    const c = client;
    if (c === null || document.visibilityState !== "visible")
        return;
    const ids = list
        .filter((m) => !isMe(m.sender) && !readSent.has(m.id) && !m.read_receipts.some((r) => isMe(r.reader)))
        .map((m) => m.id);
    if (ids.length === 0)
        return;
    ids.forEach((id) => readSent.add(id));
    c.markRead(ids).catch((err) => notify(describe("Could not mark read", err)));
}
function react(m, reaction, remove) {
    const c = client;
    if (c === null)
        return;
    void attempt("Could not react", () => (remove ? c.unreact(m.id) : c.react(m.id, reaction)));
}
function showTyping(username) {
    if (username === session?.username || current?.detail === null || current === null)
        return;
    const d = current.detail;
    if (!members(d).some((u) => u.username === username))
        return;
    window.clearTimeout(typers.get(username));
    typers.set(username, window.setTimeout(() => {
        typers.delete(username);
        renderTyping();
    }, typingShownMs));
    renderTyping();
}
function renderTyping() {
    const names = [...typers.keys()];
    byId("typing").textContent =
        names.length === 0 ? "" : `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…`;
}
// ---------------------------------------------------------------- composer
function compose(mode, m) {
    composing = { mode, message: m };
    const input = byId("composer-input");
    if (mode === "edit")
        input.value = m.content;
    renderComposing();
    input.focus();
}
function renderComposing() {
    const bar = byId("composing");
    bar.hidden = composing === null;
    byId("composing-text").textContent =
        composing === null ? "" : `${composing.mode === "reply" ? "Replying to" : "Editing"} ${excerpt(composing.message)}`;
}
function wireComposer() {
    const form = byId("composer");
    const input = byId("composer-input");
    const link = byId("composer-attachment");
    input.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
            ev.preventDefault();
            form.requestSubmit();
        }
        if (ev.key === "Escape" && composing !== null) {
            composing = null;
            renderComposing();
        }
    });
    input.addEventListener("input", () => {
        const c = client;
        const now = Date.now();
        if (c === null || current === null || input.value === "" || now - lastTypingSent < typingEveryMs)
            return;
        lastTypingSent = now;
        c.typing(current.id).catch(() => {
            // Typing is best effort: whoever may not send may not announce typing either.
        });
    });
    byId("composing-cancel").addEventListener("click", () => {
        composing = null;
        renderComposing();
        input.focus();
    });
    form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const c = client;
        if (c === null || current === null)
            return;
        const text = input.value.trim();
        const roomId = current.id;
        const mode = composing;
        let send;
        if (mode?.mode === "edit") {
            if (text === "")
                return;
            send = () => c.editMessage(mode.message.id, text);
        }
        else {
            const url = link.value.trim();
            const media = url === "" ? undefined : attachment(url);
            if (typeof media === "string") {
                notify(media);
                return;
            }
            if (text === "" && media === undefined)
                return;
            send = () => c.sendMessage(roomId, text, {
                ...(mode?.mode === "reply" ? { parentMessageId: mode.message.id } : {}),
                ...(media ? { media: [media] } : {}),
            });
        }
        input.value = "";
        link.value = "";
        composing = null;
        renderComposing();
        void attempt(mode?.mode === "edit" ? "Not edited" : "Message not sent", send).then((ok) => {
            if (ok)
                notify("");
            else if (input.value === "")
                input.value = text;
        });
    });
    byId("forward-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        const c = client;
        const m = forwarding;
        const target = byId("forward-room").value;
        byId("forward-dialog").close();
        if (c === null || m === null || target === "")
            return;
        void attempt("Not forwarded", () => c.sendMessage(target, m.content, { forwardedFromId: m.id }));
    });
    byId("forward-cancel").addEventListener("click", () => byId("forward-dialog").close());
}
function renderForwardTargets() {
    byId("forward-room").replaceChildren(...rooms.map((r) => h("option", { value: r.id, text: `${roomName(r)} (${kindLabel[r.type]})` })));
}
function openForward(m) {
    forwarding = m;
    byId("forward-what").textContent = excerpt(m);
    renderForwardTargets();
    byId("forward-dialog").showModal();
}
start();
