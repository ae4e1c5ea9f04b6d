/*
 * passthrough.c: a module that exports every hook of the ABI and changes
 * nothing, the C twin of ../passthrough. Each hook hands its arguments to
 * next and returns what next returned (its error unchanged); a serializer
 * hook, which has no next, adds no field. The burst benchmark
 * (bench/burst_test.go) loads it with the Go one to measure what modules
 * cost a server that runs them; TestPassthroughExportsEveryHook keeps its
 * exports in step with package abi.
 */
#include "chatwasm.h"

CHATWASM_ABI_V1()

/* pass is every hook but the serializers: the rest of the chain, unchanged. */
static int32_t pass(void) {
    cw_call call;
    if (cw_begin(&call) != 0) return 1;
    return cw_continue(call.args);
}

/* no_fields is the serializer hooks: no field added. */
static int32_t no_fields(void) {
    cw_call call;
    if (cw_begin(&call) != 0) return 1;
    return cw_output(cw_s("{}"));
}

/* PASS(name) exports hook name as pass; OP(name) an operation's two layers. */
#define PASS(name) \
    CHATWASM_EXPORT(#name) int32_t hook_##name(void) { return pass(); }
#define OP(name) PASS(name) PASS(_##name)

OP(create_message)
OP(react_to_message)
OP(message_acknowledged)
OP(modify_message)
OP(create_read_receipt)
OP(retreive_messages)
OP(create_room)
OP(list_rooms)
OP(retreive_room)
OP(add_members_to_room)
OP(remove_members_from_room)
OP(leave_room)
OP(join_room)
OP(modify_room)
OP(register_session)
OP(get_active_sessions)
OP(get_expired_sessions)
OP(update_session)
OP(get_and_group_chat_notifications)
OP(create_chat_notification)
OP(update_chat_notification)

PASS(have_room_permission)
PASS(have_message_permission)
PASS(is_message_sender)
PASS(have_room_permissions_to_add_or_remove_members)
PASS(have_send_message_permission)
PASS(have_admin_privileges)
PASS(handle_exception)

CHATWASM_EXPORT("serialize_message") int32_t hook_serialize_message(void) { return no_fields(); }
CHATWASM_EXPORT("serialize_room") int32_t hook_serialize_room(void) { return no_fields(); }
