/*
 * greeter-c: welcomes whoever joins a room.
 *
 * It extends join_room: it lets the join happen (next), then reads the room
 * (room_get, capability rooms.read) and sends the room's members a
 * "greeter.welcome" event (emit, events.emit) with a greeting made from its
 * config, the room's name and the new member's name, and logs it (log).
 * It never fails a join that happened: when the room cannot be read or the
 * event not sent, it logs why through the Extism kernel and returns the
 * join's result as it is.
 *
 * It is built with wasi-libc, to show that the SDK's arena lives alongside
 * malloc, and uses snprintf for the text.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chatwasm.h"

CHATWASM_ABI_V1()

/* welcome formats the greeting; the caller frees it. */
static char *welcome(cw_str greeting, cw_str user, cw_str room) {
    int n = snprintf(NULL, 0, "%.*s, %.*s! Welcome to %.*s.", (int)greeting.len, greeting.ptr, (int)user.len,
                     user.ptr, (int)room.len, room.ptr);
    char *text = malloc((size_t)n + 1);
    if (text)
        snprintf(text, (size_t)n + 1, "%.*s, %.*s! Welcome to %.*s.", (int)greeting.len, greeting.ptr,
                 (int)user.len, user.ptr, (int)room.len, room.ptr);
    return text;
}

CHATWASM_EXPORT("join_room") int32_t join_room(void) {
    cw_call call;
    if (cw_begin(&call) != 0) return 1;
    cw_str joined;
    if (cw_next(call.args, &joined) != 0) return cw_fail_raw(joined); /* no join, no greeting */

    cw_str room_id = cw_json_get(call.args, "room_id"), room;
    if (cw_room_get(cw_request1("room_id", room_id), &room) != 0) {
        cw_klog(CW_WARN, room);
        return cw_output(joined);
    }
    cw_str greeting = cw_config("greeting");
    if (!greeting.ptr) greeting = cw_s("Hello");
    char *text = welcome(greeting, call.username, cw_json_text(cw_json_get(room, "name")));
    if (!text) return cw_output(joined);

    cw_buf data = {0};
    cw_w_obj(&data);
    cw_w_key(&data, "user_id");
    cw_w_int(&data, call.user_id);
    cw_w_key(&data, "text");
    cw_w_cstr(&data, text);
    cw_w_end_obj(&data);
    cw_str id = cw_json_text(room_id);
    if (cw_emit_room(id, "greeter.welcome", cw_buf_str(&data)) != 0) cw_klog(CW_WARN, cw_s("greeter: emit failed"));

    cw_buf attrs = {0};
    cw_w_obj(&attrs);
    cw_w_key(&attrs, "room_id");
    cw_w_str(&attrs, id);
    cw_w_end_obj(&attrs);
    cw_log_msg("info", cw_cstr(text), cw_buf_str(&attrs));
    free(text);
    return cw_output(joined);
}
