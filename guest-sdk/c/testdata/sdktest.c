/*
 * sdktest: exports that expose the SDK's pieces to sdk_test.go, which calls
 * them through host/wasm with inputs of its choosing and checks the output
 * against Go's encoding/json, strings and unicode.
 */
#ifdef SDKTEST_LIBC
#include <stdlib.h>
#endif

#include "chatwasm.h"

CHATWASM_ABI_V1()

/* w_str_or_null writes s as a string, or null when it is absent. */
static void w_str_or_null(cw_buf *b, cw_str s) {
    if (s.ptr)
        cw_w_str(b, s);
    else
        cw_w_null(b);
}

/* output_optional outputs {key: s}, s being null when it is absent. */
static int32_t output_optional(const char *key, cw_str s) {
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, key);
    w_str_or_null(&b, s);
    cw_w_end_obj(&b);
    return cw_output(cw_buf_str(&b));
}

/* map_output outputs the JSON array of what each writes for every member
 * of list (an object or an array: k is the key, absent for an element),
 * ctx passed through. */
static int32_t map_output(cw_str list, void (*each)(cw_buf *b, cw_str k, cw_str v, cw_str ctx), cw_str ctx) {
    cw_json_iter it = cw_json_iterate(list);
    cw_buf b = {0};
    cw_str k, v;
    cw_w_arr(&b);
    while (cw_json_next(&it, &k, &v))
        each(&b, k, v, ctx);
    cw_w_end_arr(&b);
    return cw_output(cw_buf_str(&b));
}

/* probe_path writes what the SDK makes of the value at path in doc. */
static void probe_path(cw_buf *b, cw_str k, cw_str path, cw_str doc) {
    (void)k;
    cw_str v = cw_json_get_path(doc, cw_json_text(path));
    cw_w_obj(b);
    cw_w_key(b, "type");
    cw_w_int(b, cw_json_type(v));
    cw_w_key(b, "raw");
    w_str_or_null(b, v);
    cw_w_key(b, "text");
    w_str_or_null(b, cw_json_text(v));
    cw_w_key(b, "int");
    int64_t n;
    if (cw_json_int(v, &n) == 0)
        cw_w_int(b, n);
    else
        cw_w_null(b);
    cw_w_end_obj(b);
}

/* probe: input {"doc": <any>, "paths": ["a.b", ...]} → for each path
 * {"type": n, "raw": "<the value's JSON text>" | null, "text": <decoded
 * string> | null, "int": n | null}. */
CHATWASM_EXPORT("probe") int32_t probe(void) {
    cw_reset();
    cw_str in = cw_input();
    return map_output(cw_json_get(in, "paths"), probe_path, cw_json_get(in, "doc"));
}

/* member_pair writes [<decoded key> | null, <raw value JSON>]. */
static void member_pair(cw_buf *b, cw_str k, cw_str v, cw_str ctx) {
    (void)ctx;
    cw_w_arr(b);
    if (k.ptr)
        cw_w_str(b, cw_json_text(k));
    else
        cw_w_null(b);
    cw_w_json(b, v);
    cw_w_end_arr(b);
}

/* members: input any object or array → [[<decoded key> | null, <raw
 * value JSON>], ...] rebuilt with the writer. */
CHATWASM_EXPORT("members") int32_t members(void) {
    cw_reset();
    return map_output(cw_json_get(cw_input(), ""), member_pair, (cw_str){0});
}

/* rewrite_value writes v again from its decoded value. */
static void rewrite_value(cw_buf *b, cw_str k, cw_str v, cw_str ctx) {
    (void)k, (void)ctx;
    int64_t n;
    switch (cw_json_type(v)) {
    case CW_JSON_STRING: cw_w_str(b, cw_json_text(v)); break;
    case CW_JSON_NUMBER:
        if (cw_json_int(v, &n) == 0)
            cw_w_int(b, n);
        else
            cw_w_cstr(b, "not an int64");
        break;
    case CW_JSON_BOOL: cw_w_bool(b, cw_json_bool(v)); break;
    default: cw_w_null(b);
    }
}

/* rewrite: input a JSON array of strings, integers, booleans and nulls →
 * the same array written by the writer from the decoded values. */
CHATWASM_EXPORT("rewrite") int32_t rewrite(void) {
    cw_reset();
    return map_output(cw_json_get(cw_input(), ""), rewrite_value, (cw_str){0});
}

/* lower_runes: → [[r, lower(r)], ...] for every rune the SDK maps. */
CHATWASM_EXPORT("lower_runes") int32_t lower_runes(void) {
    cw_reset();
    cw_buf b = {0};
    cw_w_arr(&b);
    for (uint32_t r = 0; r <= 0x10FFFF; r++) {
        uint32_t l = cw_lower_rune(r);
        if (l == r) continue;
        cw_w_arr(&b);
        cw_w_int(&b, r);
        cw_w_int(&b, l);
        cw_w_end_arr(&b);
    }
    cw_w_end_arr(&b);
    return cw_output(cw_buf_str(&b));
}

/* lower: input text → cw_lower(text), as raw bytes. */
CHATWASM_EXPORT("lower") int32_t lower(void) {
    cw_reset();
    return cw_output(cw_lower(cw_input()));
}

/* kernel: input bytes → the same bytes, through a kernel block. */
CHATWASM_EXPORT("kernel") int32_t kernel(void) {
    cw_reset();
    return cw_output(cw_kernel_read(cw_kernel_write(cw_input())));
}

/* config: input a config key → {"value": <its value> | null}. */
CHATWASM_EXPORT("config") int32_t config(void) {
    cw_reset();
    return output_optional("value", cw_config(cw_input().ptr));
}

/* arena: input {"sizes": [n, ...]} → allocates each size, checks that the
 * blocks are 8-byte aligned and do not overlap, fills them and checks their
 * ends, and returns {"pages": memory size in pages, "ok": bool}. */
CHATWASM_EXPORT("arena") int32_t arena(void) {
    cw_call call;
    if (cw_begin(&call) != 0) return 1;
    cw_json_iter it = cw_json_iterate(cw_json_get(call.input, "sizes"));
    cw_str k, v;
    unsigned char *blocks[64];
    int64_t sizes[64];
    int n = 0, ok = 1;
    while (n < 64 && cw_json_next(&it, &k, &v) && cw_json_int(v, &sizes[n]) == 0) {
        blocks[n] = (unsigned char *)cw_alloc((size_t)sizes[n]);
        if (!blocks[n]) return cw_fail(4006, "out of memory");
        ok &= ((uintptr_t)blocks[n] & 7) == 0;
        __builtin_memset(blocks[n], n, (size_t)sizes[n]);
        n++;
#ifdef SDKTEST_LIBC
        /* malloc's heap grows between the arena's regions: neither may
         * hand out the other's memory. */
        if (n < 64) {
            sizes[n] = sizes[n - 1];
            blocks[n] = malloc((size_t)sizes[n]);
            if (!blocks[n]) return cw_fail(4006, "malloc failed");
            __builtin_memset(blocks[n], n, (size_t)sizes[n]);
            n++;
        }
#endif
    }
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++)
            if (i != j) ok &= blocks[i] + sizes[i] <= blocks[j] || blocks[j] + sizes[j] <= blocks[i];
        ok &= blocks[j][0] == (unsigned char)j && blocks[j][sizes[j] - 1] == (unsigned char)j;
    }
#ifdef SDKTEST_LIBC
    for (int j = 1; j < n; j += 2) free(blocks[j]);
#endif
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, "pages");
    cw_w_int(&b, (int64_t)__builtin_wasm_memory_size(0));
    cw_w_key(&b, "ok");
    cw_w_bool(&b, ok);
    cw_w_end_obj(&b);
    return cw_output(cw_buf_str(&b));
}

/* envelope: a hook's envelope → what cw_begin decoded. */
CHATWASM_EXPORT("envelope") int32_t envelope(void) {
    cw_call c;
    if (cw_begin(&c) != 0) return 1;
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, "abi");
    cw_w_int(&b, c.abi);
    cw_w_key(&b, "hook");
    cw_w_str(&b, c.hook);
    cw_w_key(&b, "tenant");
    cw_w_str(&b, c.tenant);
    cw_w_key(&b, "user_id");
    cw_w_int(&b, c.user_id);
    cw_w_key(&b, "username");
    cw_w_str(&b, c.username);
    cw_w_key(&b, "session_id");
    cw_w_int(&b, c.session_id);
    cw_w_key(&b, "args");
    cw_w_json(&b, c.args);
    cw_w_end_obj(&b);
    return cw_output(cw_buf_str(&b));
}

/* fail: input {"code": n, "message": "..."} → cw_fail(code, message). */
CHATWASM_EXPORT("fail") int32_t fail(void) {
    cw_reset();
    cw_str in = cw_input();
    int64_t code = 0;
    cw_json_int(cw_json_get(in, "code"), &code);
    return cw_fail((int)code, cw_json_text(cw_json_get(in, "message")).ptr);
}

/* vars: input {"key": k, "value": v | null} → {"old": <the var before> |
 * null}, after setting (or, for null, deleting) it. */
CHATWASM_EXPORT("vars") int32_t vars(void) {
    cw_reset();
    cw_str in = cw_input();
    const char *key = cw_json_text(cw_json_get(in, "key")).ptr;
    cw_str old = cw_var_get(key);
    cw_var_set(key, cw_json_text(cw_json_get(in, "value")));
    return output_optional("old", old);
}

/* http: input {"req": {...}, "body": "..." | null} → {"status": n,
 * "body": "<response body, or why it failed>"}. */
CHATWASM_EXPORT("http") int32_t http(void) {
    cw_reset();
    cw_str in = cw_input(), resp;
    int status = cw_http(cw_json_get(in, "req"), cw_json_text(cw_json_get(in, "body")), &resp);
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, "status");
    cw_w_int(&b, status);
    cw_w_key(&b, "body");
    cw_w_str(&b, resp);
    cw_w_end_obj(&b);
    return cw_output(cw_buf_str(&b));
}

/* w_strs writes the strings of raw JSON array list, decoded. */
static void w_strs(cw_buf *b, cw_str list) {
    cw_json_iter it = cw_json_iterate(list);
    cw_str k, v;
    cw_w_arr(b);
    while (cw_json_next(&it, &k, &v))
        cw_w_str(b, cw_json_text(v));
    cw_w_end_arr(b);
}

/* payloads: a hook's envelope whose args are modkit.PayloadsArgs → each
 * field of the enriched payloads as the cw_read_* functions read it. */
CHATWASM_EXPORT("payloads") int32_t payloads(void) {
    cw_call c;
    if (cw_begin(&c) != 0) return 1;
    cw_create_message_args cm;
    cw_permission_args p;
    cw_exception_args e;
    cw_notification_args n;
    cw_update_notification_args u;
    cw_read_create_message_args(cw_json_member(c.args, cw_s("create")), &cm);
    cw_read_permission_args(cw_json_member(c.args, cw_s("permission")), &p);
    cw_read_exception_args(cw_json_member(c.args, cw_s("exception")), &e);
    cw_read_notification_args(cw_json_member(c.args, cw_s("notify")), &n);
    cw_read_update_notification_args(cw_json_member(c.args, cw_s("ack")), &u);
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, "create");
    cw_w_obj(&b);
    cw_w_key(&b, "room_id");
    cw_w_str(&b, cm.room_id);
    cw_w_key(&b, "room_kind");
    cw_w_str(&b, cm.room_kind);
    cw_w_key(&b, "member_count");
    cw_w_int(&b, cm.member_count);
    cw_w_key(&b, "sender_role");
    cw_w_str(&b, cm.sender_role);
    cw_w_end_obj(&b);
    cw_w_key(&b, "permission");
    cw_w_obj(&b);
    if (p.resolved) {
        cw_w_key(&b, "room_id");
        cw_w_str(&b, p.room);
        cw_w_key(&b, "room_kind");
        cw_w_str(&b, p.room_kind);
        cw_w_key(&b, "role");
        cw_w_str(&b, p.role);
        cw_w_key(&b, "message_ids");
        w_strs(&b, p.message_ids);
    }
    cw_w_end_obj(&b);
    cw_w_key(&b, "exception");
    cw_w_obj(&b);
    cw_w_key(&b, "code");
    cw_w_int(&b, e.code);
    cw_w_key(&b, "kind");
    cw_w_str(&b, e.kind);
    cw_w_key(&b, "event_type");
    cw_w_str(&b, e.event_type);
    cw_w_key(&b, "data");
    cw_w_json(&b, e.data);
    cw_w_key(&b, "room_id");
    cw_w_str(&b, e.room_id);
    cw_w_key(&b, "module");
    cw_w_str(&b, e.module);
    cw_w_end_obj(&b);
    cw_w_key(&b, "notify");
    cw_write_notification_args(&b, &n);
    cw_w_key(&b, "ack");
    cw_w_obj(&b);
    cw_w_key(&b, "message_ids");
    w_strs(&b, u.message_ids);
    cw_w_key(&b, "user_id");
    cw_w_int(&b, u.user_id);
    cw_w_end_obj(&b);
    cw_w_end_obj(&b);
    return cw_output(cw_buf_str(&b));
}
