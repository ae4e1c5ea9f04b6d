/*
 * chatwasm.h: the chatwasm module SDK for C, in one header.
 *
 * A chatwasm module is an Extism plug-in (abi/README.md). This header gives a
 * C module everything it needs without libc: the Extism kernel imports
 * (extism:host/env), chatwasm's host imports (extism:host/user), a per-call
 * arena allocator, a JSON reader and writer sufficient for the payloads, the
 * envelope, config, errors and the ABI marker.
 *
 *     #include "chatwasm.h"
 *
 *     CHATWASM_ABI_V1()
 *
 *     CHATWASM_EXPORT("_create_message") int32_t create_message(void) {
 *         cw_call call;
 *         if (cw_begin(&call) != 0) return 1;
 *         cw_str content = cw_json_text(cw_json_get(call.args, "content"));
 *         if (cw_contains(cw_lower(content), cw_s("spam")))
 *             return cw_fail(4003, "Message contains prohibited content");
 *         return cw_continue(call.args);
 *     }
 *
 * Build (no libc, no WASI imports; the smallest modules):
 *
 *     clang --target=wasm32-unknown-unknown -O2 -nostdlib -mbulk-memory \
 *           -Wl,--no-entry -I guest-sdk/c -o mod.wasm mod.c
 *
 * or with wasi-libc, when the module wants printf-style formatting or
 * malloc (the arena then takes its memory from malloc):
 *
 *     clang --target=wasm32-wasi -mexec-model=reactor -O2 -mbulk-memory \
 *           -I guest-sdk/c -o mod.wasm mod.c
 *
 * Memory: every pointer the SDK returns (cw_str results, cw_buf contents)
 * lives in an arena that cw_begin resets at the start of each hook call, so
 * a module never frees anything and a pooled instance does not grow from
 * call to call. Keep nothing from the arena across calls.
 *
 * The header may be included by several translation units of one module:
 * its functions are static and its state is one weak global.
 */
#ifndef CHATWASM_H
#define CHATWASM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Exports
 * ------------------------------------------------------------------------ */

/* CHATWASM_EXPORT(name) exports the function that follows under name, which
 * may be any hook name (abi/README.md "Hooks"), including the ones that are
 * not C identifiers, such as "action_message.pin". A hook takes no
 * parameters and returns 0 on success, non-zero after cw_fail. */
#define CHATWASM_EXPORT(name) __attribute__((export_name(name), used))

/* CHATWASM_ABI_V1() defines the (empty) export chatwasm_abi_v1 that declares
 * the ABI version the module was written for; the host refuses a module
 * without it. Use it once per module, at file scope. */
#define CHATWASM_ABI_V1()                                                      \
    CHATWASM_EXPORT("chatwasm_abi_v1") void chatwasm_abi_v1(void) {}

/* ------------------------------------------------------------------------
 * Host imports
 * ------------------------------------------------------------------------ */

#define CW__ENV(name) __attribute__((import_module("extism:host/env"), import_name(name)))
#define CW__USER(name) __attribute__((import_module("extism:host/user"), import_name(name)))

/* The Extism kernel (host/wasm/env.go), with the signatures every PDK links
 * against. Offsets are kernel-memory offsets (0 = null), not pointers into
 * linear memory. */
CW__ENV("alloc") uint64_t cw_extism_alloc(uint64_t n);
CW__ENV("free") void cw_extism_free(uint64_t off);
CW__ENV("length") uint64_t cw_extism_length(uint64_t off);
CW__ENV("length_unsafe") uint64_t cw_extism_length_unsafe(uint64_t off);
CW__ENV("load_u8") uint32_t cw_extism_load_u8(uint64_t off);
CW__ENV("load_u64") uint64_t cw_extism_load_u64(uint64_t off);
CW__ENV("store_u8") void cw_extism_store_u8(uint64_t off, uint32_t b);
CW__ENV("store_u64") void cw_extism_store_u64(uint64_t off, uint64_t v);
CW__ENV("input_length") uint64_t cw_extism_input_length(void);
CW__ENV("input_load_u8") uint32_t cw_extism_input_load_u8(uint64_t i);
CW__ENV("input_load_u64") uint64_t cw_extism_input_load_u64(uint64_t i);
CW__ENV("input_offset") uint64_t cw_extism_input_offset(void);
CW__ENV("output_set") void cw_extism_output_set(uint64_t off, uint64_t n);
CW__ENV("error_set") void cw_extism_error_set(uint64_t off);
CW__ENV("config_get") uint64_t cw_extism_config_get(uint64_t key);
CW__ENV("var_get") uint64_t cw_extism_var_get(uint64_t key);
CW__ENV("var_set") void cw_extism_var_set(uint64_t key, uint64_t value);
CW__ENV("log_trace") void cw_extism_log_trace(uint64_t msg);
CW__ENV("log_debug") void cw_extism_log_debug(uint64_t msg);
CW__ENV("log_info") void cw_extism_log_info(uint64_t msg);
CW__ENV("log_warn") void cw_extism_log_warn(uint64_t msg);
CW__ENV("log_error") void cw_extism_log_error(uint64_t msg);
CW__ENV("get_log_level") int32_t cw_extism_get_log_level(void);
CW__ENV("http_request") uint64_t cw_extism_http_request(uint64_t req, uint64_t body);
CW__ENV("http_status_code") int32_t cw_extism_http_status_code(void);
CW__ENV("http_headers") uint64_t cw_extism_http_headers(void);

/* chatwasm's bulk copies between the call and linear memory (one host call
 * per payload instead of one per 8 bytes), and the last host error. */
CW__USER("chatwasm_input_read") void cw_host_input_read(void *dst, uint32_t n);
CW__USER("chatwasm_output_write") void cw_host_output_write(const void *src, uint32_t n);
CW__USER("chatwasm_block_new") uint64_t cw_host_block_new(const void *src, uint32_t n);
CW__USER("chatwasm_block_read") void cw_host_block_read(uint64_t off, void *dst);
CW__USER("chatwasm_error_write") void cw_host_error_write(const void *src, uint32_t n);
CW__USER("chatwasm_last_error") uint64_t cw_host_last_error(void);

/* chatwasm's host functions (abi/README.md "Host imports"): a kernel offset
 * of a JSON request in, the kernel offset of the JSON result out, 0 on
 * failure. Call them through cw_host_call or the cw_<name> wrappers below;
 * wasm-ld imports only the ones a module uses. */
CW__USER("next") uint64_t cw_host_next(uint64_t);
CW__USER("room_get") uint64_t cw_host_room_get(uint64_t);
CW__USER("room_property") uint64_t cw_host_room_property(uint64_t);
CW__USER("room_members") uint64_t cw_host_room_members(uint64_t);
CW__USER("members_add") uint64_t cw_host_members_add(uint64_t);
CW__USER("members_remove") uint64_t cw_host_members_remove(uint64_t);
CW__USER("message_get") uint64_t cw_host_message_get(uint64_t);
CW__USER("user_get") uint64_t cw_host_user_get(uint64_t);
CW__USER("render_room") uint64_t cw_host_render_room(uint64_t);
CW__USER("render_message") uint64_t cw_host_render_message(uint64_t);
CW__USER("render_user") uint64_t cw_host_render_user(uint64_t);
CW__USER("render_notification") uint64_t cw_host_render_notification(uint64_t);
CW__USER("kv_get") uint64_t cw_host_kv_get(uint64_t);
CW__USER("kv_set") uint64_t cw_host_kv_set(uint64_t);
CW__USER("kv_delete") uint64_t cw_host_kv_delete(uint64_t);
CW__USER("kv_list") uint64_t cw_host_kv_list(uint64_t);
CW__USER("emit") uint64_t cw_host_emit(uint64_t);
CW__USER("log") uint64_t cw_host_log(uint64_t);
/* The reads a replacement needs and the write imports (abi/README.md,
 * "Replacing an operation entirely"): raw JSON through cw_<name>. */
CW__USER("room_messages") uint64_t cw_host_room_messages(uint64_t);
CW__USER("user_rooms") uint64_t cw_host_user_rooms(uint64_t);
CW__USER("message_create") uint64_t cw_host_message_create(uint64_t);
CW__USER("message_modify") uint64_t cw_host_message_modify(uint64_t);
CW__USER("message_react") uint64_t cw_host_message_react(uint64_t);
CW__USER("receipt_create") uint64_t cw_host_receipt_create(uint64_t);
CW__USER("delivery_ack") uint64_t cw_host_delivery_ack(uint64_t);
CW__USER("room_create") uint64_t cw_host_room_create(uint64_t);
CW__USER("room_modify") uint64_t cw_host_room_modify(uint64_t);
CW__USER("session_register") uint64_t cw_host_session_register(uint64_t);
CW__USER("session_update") uint64_t cw_host_session_update(uint64_t);
CW__USER("notification_create") uint64_t cw_host_notification_create(uint64_t);
CW__USER("notification_read") uint64_t cw_host_notification_read(uint64_t);

/* ------------------------------------------------------------------------
 * Strings
 * ------------------------------------------------------------------------ */

/* cw_str is a byte span: not NUL-terminated unless said so. A null ptr is
 * "absent" (a missing JSON member, a missing config key), distinct from an
 * empty string. */
typedef struct {
    const char *ptr;
    size_t len;
} cw_str;

/* cw_s makes a cw_str of a string literal. */
#define cw_s(lit) ((cw_str){(lit), sizeof(lit) - 1})

static inline size_t cw_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* cw_cstr makes a cw_str of a NUL-terminated string (absent for NULL). */
static inline cw_str cw_cstr(const char *s) {
    return s ? (cw_str){s, cw_strlen(s)} : (cw_str){0, 0};
}

static inline int cw_present(cw_str s) { return s.ptr != 0; }

static inline int cw_eq(cw_str a, cw_str b) {
    if (a.len != b.len) return 0;
    for (size_t i = 0; i < a.len; i++)
        if (a.ptr[i] != b.ptr[i]) return 0;
    return 1;
}

/* cw__u64u is a uint64_t at any address: wasm loads need no alignment, and
 * this is one i64.load where __builtin_memcpy could become a call to the
 * memcpy that -nostdlib lacks. */
typedef uint64_t cw__u64u __attribute__((aligned(1), may_alias));

#define CW__ONES 0x0101010101010101ull
#define CW__HIGHS 0x8080808080808080ull

/* cw__has_byte reports whether one of the eight bytes of w is c8's (c8 is
 * the byte repeated eight times): the "has a zero byte" test, exact as a
 * yes or no, on w ^ c8. */
static inline int cw__has_byte(uint64_t w, uint64_t c8) {
    w ^= c8;
    return ((w - CW__ONES) & ~w & CW__HIGHS) != 0;
}

/* cw__find_byte returns the offset of the first c in p[0..n), or n. It
 * tests eight bytes per step: in a guest every loop iteration also pays the
 * host's interrupt check, so a byte at a time costs several times more. */
static inline size_t cw__find_byte(const char *p, size_t n, char c) {
    uint64_t c8 = CW__ONES * (unsigned char)c;
    size_t i = 0;
    while (i + 8 <= n && !cw__has_byte(*(const cw__u64u *)(p + i), c8)) i += 8;
    for (; i < n; i++)
        if (p[i] == c) return i;
    return n;
}

/* cw_index returns the byte offset of the first needle in hay, or -1. An
 * empty needle is found at 0. */
static inline long cw_index(cw_str hay, cw_str needle) {
    if (needle.len == 0) return 0;
    if (needle.len > hay.len) return -1;
    size_t last = hay.len - needle.len; /* the last offset needle fits at */
    for (size_t i = 0; i <= last; i++) {
        i += cw__find_byte(hay.ptr + i, last + 1 - i, needle.ptr[0]);
        if (i > last) return -1;
        size_t j = 1;
        while (j < needle.len && hay.ptr[i + j] == needle.ptr[j]) j++;
        if (j == needle.len) return (long)i;
    }
    return -1;
}

static inline int cw_contains(cw_str hay, cw_str needle) { return cw_index(hay, needle) >= 0; }

static inline int cw__space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* cw_trim drops ASCII white space at both ends. */
static inline cw_str cw_trim(cw_str s) {
    while (s.len && cw__space(s.ptr[0])) s.ptr++, s.len--;
    while (s.len && cw__space(s.ptr[s.len - 1])) s.len--;
    return s;
}

/* cw_split cuts the next field off *rest at sep: it returns 0 when *rest is
 * used up (absent), so that
 *     cw_str rest = list, field;
 *     while (cw_split(&rest, ',', &field)) ...
 * visits every field of "a,,b" ("a", "", "b"), and one empty field of "". */
static inline int cw_split(cw_str *rest, char sep, cw_str *field) {
    if (!rest->ptr) return 0;
    size_t i = 0;
    while (i < rest->len && rest->ptr[i] != sep) i++;
    *field = (cw_str){rest->ptr, i};
    if (i == rest->len)
        *rest = (cw_str){0, 0};
    else
        *rest = (cw_str){rest->ptr + i + 1, rest->len - i - 1};
    return 1;
}

/* ------------------------------------------------------------------------
 * Arena
 * ------------------------------------------------------------------------ */

#ifndef CW_ARENA_REGIONS
#define CW_ARENA_REGIONS 32
#endif

/* The arena bump allocates from regions of at least 256 KiB and cw_reset
 * rewinds it for reuse. Without libc the regions are pages of its own
 * (memory.grow); with wasi-libc (__wasi__) they come from malloc, because
 * wasi-libc's malloc claims all the memory between __heap_base and the
 * memory's end when it first runs, pages grown before included. Define
 * CHATWASM_NO_MALLOC to grow pages on a WASI target built without libc. */
#if defined(__wasi__) && !defined(CHATWASM_NO_MALLOC)
#define CW__MALLOC 1
void *malloc(size_t);
#endif

struct cw__arena {
    uintptr_t cur, end;
    uint32_t n, i;
    struct {
        uintptr_t base, end;
    } reg[CW_ARENA_REGIONS];
};

__attribute__((weak)) struct cw__arena cw__arena_state;

/* cw_reset frees everything allocated from the arena. cw_begin calls it. */
static inline void cw_reset(void) {
    struct cw__arena *a = &cw__arena_state;
    if (a->n == 0) return;
    a->i = 0;
    a->cur = a->reg[0].base;
    a->end = a->reg[0].end;
}

/* cw_alloc returns n bytes (8-byte aligned, not zeroed) that live until
 * the next cw_reset, or NULL when memory cannot grow. */
static inline void *cw_alloc(size_t n) {
    struct cw__arena *a = &cw__arena_state;
    n = n ? (n + 7) & ~(size_t)7 : 8;
    for (;;) {
        if (a->n && a->end - a->cur >= n) {
            void *p = (void *)a->cur;
            a->cur += n;
            return p;
        }
        if (a->i + 1 < a->n) { /* a later region, grown in an earlier call */
            a->i++;
            a->cur = a->reg[a->i].base;
            a->end = a->reg[a->i].end;
            continue;
        }
        size_t pages = (n + 65535) / 65536;
        if (pages < 4) pages = 4;
#ifdef CW__MALLOC
        void *chunk = malloc(pages * 65536);
        if (!chunk) return 0;
        uintptr_t base = ((uintptr_t)chunk + 7) & ~(uintptr_t)7, end = (uintptr_t)chunk + pages * 65536;
#else
        size_t old = __builtin_wasm_memory_grow(0, pages);
        if (old == (size_t)-1) return 0;
        uintptr_t base = (uintptr_t)old * 65536, end = base + pages * 65536;
#endif
        if (a->n && a->reg[a->n - 1].end == base) { /* contiguous with the current, last region */
            a->reg[a->n - 1].end = a->end = end;
            continue;
        }
        uint32_t slot = a->n < CW_ARENA_REGIONS ? a->n++ : a->n - 1;
        a->reg[slot].base = a->cur = base;
        a->reg[slot].end = a->end = end;
        a->i = slot;
    }
}

#ifndef __wasm_bulk_memory__
/* Without -mbulk-memory the compiler calls memset and memcpy for struct
 * copies and initialisers; -nostdlib has neither. These weak ones give way
 * to libc's when it is linked. The volatile stores keep the compiler from
 * turning the loops back into calls to themselves. */
__attribute__((weak)) void *memset(void *dst, int c, size_t n) {
    volatile unsigned char *d = (volatile unsigned char *)dst;
    uint64_t w = (unsigned char)c * 0x0101010101010101ull;
    for (; n && ((uintptr_t)d & 7); n--) *d++ = (unsigned char)c;
    for (; n >= 8; n -= 8, d += 8) *(volatile uint64_t *)d = w;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n) {
    volatile unsigned char *d = (volatile unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    while (n--) *d++ = *s++;
    return dst;
}
#endif

/* cw__copy is memcpy without libc: with -mbulk-memory it is one
 * memory.copy instruction; without, a loop the compiler cannot turn back
 * into a call to the memcpy that -nostdlib lacks. */
static inline void cw__copy(void *dst, const void *src, size_t n) {
#ifdef __wasm_bulk_memory__
    __builtin_memcpy(dst, src, n);
#else
    volatile char *d = (volatile char *)dst;
    const char *s = (const char *)src;
    while (n--) *d++ = *s++;
#endif
}

/* cw_dup copies s into the arena, NUL-terminated. */
static inline cw_str cw_dup(cw_str s) {
    char *p = (char *)cw_alloc(s.len + 1);
    if (!p) return (cw_str){0, 0};
    cw__copy(p, s.ptr, s.len);
    p[s.len] = 0;
    return (cw_str){p, s.len};
}

/* ------------------------------------------------------------------------
 * JSON writer
 * ------------------------------------------------------------------------ */

/* cw_buf is a growable byte buffer in the arena, and the JSON writer: the
 * value functions (cw_w_*) insert the commas between members and elements.
 *
 *     cw_buf b = {0};
 *     cw_w_obj(&b);
 *     cw_w_key(&b, "room_id"); cw_w_str(&b, room_id);
 *     cw_w_key(&b, "user_ids"); cw_w_arr(&b); cw_w_int(&b, 4); cw_w_end_arr(&b);
 *     cw_w_end_obj(&b);                      // {"room_id":"...","user_ids":[4]}
 *
 * A buffer whose allocation failed sets oom and drops what follows. */
typedef struct {
    char *ptr;
    size_t len, cap;
    int oom;
} cw_buf;

static inline int cw__reserve(cw_buf *b, size_t n) {
    if (b->oom) return 0;
    if (b->len + n <= b->cap) return 1;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n) cap *= 2;
    char *p = (char *)cw_alloc(cap + 1);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    if (b->len) cw__copy(p, b->ptr, b->len);
    b->ptr = p, b->cap = cap;
    return 1;
}

/* cw_buf_raw appends bytes as they are. */
static inline void cw_buf_raw(cw_buf *b, const void *p, size_t n) {
    if (!cw__reserve(b, n)) return;
    cw__copy(b->ptr + b->len, p, n);
    b->len += n;
}

static inline void cw_buf_byte(cw_buf *b, char c) {
    if (cw__reserve(b, 1)) b->ptr[b->len++] = c;
}

/* cw_buf_str returns the buffer's bytes, NUL-terminated. */
static inline cw_str cw_buf_str(cw_buf *b) {
    if (!cw__reserve(b, 1)) return (cw_str){0, 0};
    b->ptr[b->len] = 0;
    return (cw_str){b->ptr, b->len};
}

/* cw__sep writes the comma a new value or key needs after a previous one. */
static inline void cw__sep(cw_buf *b) {
    if (b->len == 0) return;
    char c = b->ptr[b->len - 1];
    if (c != '{' && c != '[' && c != ':' && c != ',') cw_buf_byte(b, ',');
}

static inline void cw_w_obj(cw_buf *b) { cw__sep(b), cw_buf_byte(b, '{'); }
static inline void cw_w_end_obj(cw_buf *b) { cw_buf_byte(b, '}'); }
static inline void cw_w_arr(cw_buf *b) { cw__sep(b), cw_buf_byte(b, '['); }
static inline void cw_w_end_arr(cw_buf *b) { cw_buf_byte(b, ']'); }
static inline void cw_w_null(cw_buf *b) { cw__sep(b), cw_buf_raw(b, "null", 4); }

static inline void cw_w_bool(cw_buf *b, int v) {
    cw__sep(b);
    if (v)
        cw_buf_raw(b, "true", 4);
    else
        cw_buf_raw(b, "false", 5);
}

static inline void cw_w_int(cw_buf *b, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do tmp[n++] = (char)('0' + u % 10), u /= 10;
    while (u);
    if (v < 0) tmp[n++] = '-';
    cw__sep(b);
    while (n) cw_buf_byte(b, tmp[--n]);
}

/* cw_w_str writes s as a JSON string, escaping what JSON requires, and
 * <, >, &, U+2028 and U+2029 as Go's encoding/json does, so that the bytes
 * match a Go module's. */
static inline void cw_w_str(cw_buf *b, cw_str s) {
    static const char hex[] = "0123456789abcdef";
    cw__sep(b);
    cw_buf_byte(b, '"');
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        switch (c) {
        case '"': cw_buf_raw(b, "\\\"", 2); break;
        case '\\': cw_buf_raw(b, "\\\\", 2); break;
        case '\n': cw_buf_raw(b, "\\n", 2); break;
        case '\r': cw_buf_raw(b, "\\r", 2); break;
        case '\t': cw_buf_raw(b, "\\t", 2); break;
        case '\b': cw_buf_raw(b, "\\b", 2); break;
        case '\f': cw_buf_raw(b, "\\f", 2); break;
        default:
            if (c == 0xE2 && i + 2 < s.len && (unsigned char)s.ptr[i + 1] == 0x80 &&
                ((unsigned char)s.ptr[i + 2] & 0xFE) == 0xA8) {
                cw_buf_raw(b, (unsigned char)s.ptr[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                i += 2;
            } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                cw_buf_raw(b, e, 6);
            } else {
                cw_buf_byte(b, (char)c);
            }
        }
    }
    cw_buf_byte(b, '"');
}

static inline void cw_w_cstr(cw_buf *b, const char *s) { cw_w_str(b, cw_cstr(s)); }

/* cw_w_key writes an object member's key; the member's value follows. */
static inline void cw_w_key(cw_buf *b, const char *key) {
    cw_w_str(b, cw_cstr(key));
    cw_buf_byte(b, ':');
}

/* cw_w_json writes raw, which must be one JSON value, as it is (null when
 * absent). */
static inline void cw_w_json(cw_buf *b, cw_str raw) {
    if (!raw.ptr) {
        cw_w_null(b);
        return;
    }
    cw__sep(b);
    cw_buf_raw(b, raw.ptr, raw.len);
}

/* ------------------------------------------------------------------------
 * JSON reader
 * ------------------------------------------------------------------------ */

/* The reader works on spans of the input: a value is a cw_str covering its
 * JSON text, found without copying; only cw_json_text copies (unescaping).
 * It trusts the host's JSON to be well formed and fails soft (absent
 * values) on anything else. */
enum cw_json_type {
    CW_JSON_ABSENT,
    CW_JSON_NULL,
    CW_JSON_BOOL,
    CW_JSON_NUMBER,
    CW_JSON_STRING,
    CW_JSON_ARRAY,
    CW_JSON_OBJECT,
    CW_JSON_INVALID
};

static inline const char *cw__ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* cw__skip returns the end of the value starting at p, or NULL. */
static inline const char *cw__skip(const char *p, const char *end) {
    if (p >= end) return 0;
    if (*p == '"') {
        const uint64_t quotes = CW__ONES * '"', slashes = CW__ONES * '\\';
        for (p++; p < end; p++) {
            /* Eight bytes at a time up to the first quote or backslash. */
            while (end - p >= 8) {
                uint64_t w = *(const cw__u64u *)p;
                if (cw__has_byte(w, quotes) || cw__has_byte(w, slashes)) break;
                p += 8;
            }
            if (p >= end) break;
            if (*p == '\\') {
                p++;
                continue;
            }
            if (*p == '"') return p + 1;
        }
        return 0;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            char c = *p;
            if (c == '"') {
                p = cw__skip(p, end);
                if (!p) return 0;
                continue;
            }
            if (c == '{' || c == '[') depth++;
            if (c == '}' || c == ']') {
                if (--depth == 0) return p + 1;
            }
            p++;
        }
        return 0;
    }
    const char *s = p;
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\n' &&
           *p != '\r')
        p++;
    return p > s ? p : 0;
}

static inline enum cw_json_type cw_json_type(cw_str v) {
    if (!v.ptr) return CW_JSON_ABSENT;
    if (v.len == 0) return CW_JSON_INVALID;
    switch (v.ptr[0]) {
    case 'n': return CW_JSON_NULL;
    case 't':
    case 'f': return CW_JSON_BOOL;
    case '"': return CW_JSON_STRING;
    case '[': return CW_JSON_ARRAY;
    case '{': return CW_JSON_OBJECT;
    default: return (v.ptr[0] == '-' || (v.ptr[0] >= '0' && v.ptr[0] <= '9')) ? CW_JSON_NUMBER : CW_JSON_INVALID;
    }
}

/* cw_json_iter walks the members of an object or the elements of an array:
 *
 *     cw_json_iter it = cw_json_iterate(obj);
 *     cw_str key, val;
 *     while (cw_json_next(&it, &key, &val)) ...   // key is raw ("..."), absent in arrays
 */
typedef struct {
    const char *p, *end;
    int object;
} cw_json_iter;

static inline cw_json_iter cw_json_iterate(cw_str v) {
    enum cw_json_type t = cw_json_type(v);
    if (t != CW_JSON_OBJECT && t != CW_JSON_ARRAY) return (cw_json_iter){0, 0, 0};
    return (cw_json_iter){v.ptr + 1, v.ptr + v.len - 1, t == CW_JSON_OBJECT};
}

static inline int cw_json_next(cw_json_iter *it, cw_str *key, cw_str *val) {
    if (!it->p) return 0;
    const char *p = cw__ws(it->p, it->end);
    if (p < it->end && *p == ',') p = cw__ws(p + 1, it->end);
    if (p >= it->end) return 0;
    *key = (cw_str){0, 0};
    if (it->object) {
        const char *k = cw__skip(p, it->end);
        if (!k || *p != '"') return it->p = 0, 0;
        *key = (cw_str){p, (size_t)(k - p)};
        p = cw__ws(k, it->end);
        if (p >= it->end || *p != ':') return it->p = 0, 0;
        p = cw__ws(p + 1, it->end);
    }
    const char *e = cw__skip(p, it->end);
    if (!e) return it->p = 0, 0;
    *val = (cw_str){p, (size_t)(e - p)};
    it->p = e;
    return 1;
}

static inline int cw__hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static inline int cw__hex4(const char *p, const char *end, uint32_t *out) {
    if (end - p < 4) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = cw__hexval(p[i]);
        if (h < 0) return 0;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return 1;
}

/* cw_utf8_put writes r as UTF-8 to dst (4 bytes of room) and returns the
 * number of bytes written. */
static inline size_t cw_utf8_put(char *dst, uint32_t r) {
    if (r < 0x80) return dst[0] = (char)r, 1;
    if (r < 0x800) return dst[0] = (char)(0xC0 | r >> 6), dst[1] = (char)(0x80 | (r & 0x3F)), 2;
    if (r >= 0xD800 && r < 0xE000) r = 0xFFFD;
    if (r < 0x10000) {
        dst[0] = (char)(0xE0 | r >> 12), dst[1] = (char)(0x80 | (r >> 6 & 0x3F));
        dst[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    if (r > 0x10FFFF) return cw_utf8_put(dst, 0xFFFD);
    dst[0] = (char)(0xF0 | r >> 18), dst[1] = (char)(0x80 | (r >> 12 & 0x3F));
    dst[2] = (char)(0x80 | (r >> 6 & 0x3F)), dst[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

/* cw__unescape decodes the JSON string s (quotes included) into dst, which
 * has room for s.len bytes (no escape decodes to more bytes than it takes),
 * and returns the decoded length, or -1 when s is not a string. */
static inline long cw__unescape(cw_str s, char *dst) {
    if (s.len < 2 || s.ptr[0] != '"' || s.ptr[s.len - 1] != '"') return -1;
    const char *p = s.ptr + 1, *end = s.ptr + s.len - 1;
    size_t n = 0;
    while (p < end) {
        if (*p != '\\') {
            dst[n++] = *p++;
            continue;
        }
        if (++p >= end) return -1;
        char c = *p++;
        switch (c) {
        case '"':
        case '\\':
        case '/': dst[n++] = c; break;
        case 'b': dst[n++] = '\b'; break;
        case 'f': dst[n++] = '\f'; break;
        case 'n': dst[n++] = '\n'; break;
        case 'r': dst[n++] = '\r'; break;
        case 't': dst[n++] = '\t'; break;
        case 'u': {
            uint32_t r;
            if (!cw__hex4(p, end, &r)) return -1;
            p += 4;
            if (r >= 0xD800 && r < 0xDC00) { /* a surrogate pair, or U+FFFD as Go decodes a lone half */
                uint32_t lo;
                if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && cw__hex4(p + 2, end, &lo) && lo >= 0xDC00 &&
                    lo < 0xE000) {
                    r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                } else {
                    r = 0xFFFD;
                }
            }
            n += cw_utf8_put(dst + n, r);
            break;
        }
        default: return -1;
        }
    }
    return (long)n;
}

/* cw__key_is reports whether the raw JSON key equals name. */
static inline int cw__key_is(cw_str raw, cw_str name) {
    if (raw.len == name.len + 2 && raw.ptr[0] == '"') { /* the common case: no escapes */
        int plain = 1;
        for (size_t i = 1; i + 1 < raw.len && plain; i++) plain = raw.ptr[i] != '\\';
        if (plain) return cw_eq((cw_str){raw.ptr + 1, name.len}, name);
    }
    char *tmp = (char *)cw_alloc(raw.len);
    long n = tmp ? cw__unescape(raw, tmp) : -1;
    return n >= 0 && cw_eq((cw_str){tmp, (size_t)n}, name);
}

/* cw_json_member returns the value of member name of object obj (absent if
 * obj is not an object or has no such member). Of a name given twice, the
 * last value counts, as the host (and the reference) read it: a module must
 * never act on another value than the one the host checked. */
static inline cw_str cw_json_member(cw_str obj, cw_str name) {
    if (cw_json_type(obj) != CW_JSON_OBJECT) return (cw_str){0, 0};
    cw_json_iter it = cw_json_iterate(obj);
    cw_str k, v, found = {0, 0};
    while (cw_json_next(&it, &k, &v))
        if (cw__key_is(k, name)) found = v;
    return found;
}

/* cw_json_index returns element i of array arr (absent if out of range). */
static inline cw_str cw_json_index(cw_str arr, size_t i) {
    if (cw_json_type(arr) != CW_JSON_ARRAY) return (cw_str){0, 0};
    cw_json_iter it = cw_json_iterate(arr);
    cw_str k, v;
    for (size_t j = 0; cw_json_next(&it, &k, &v); j++)
        if (j == i) return v;
    return (cw_str){0, 0};
}

/* cw_json_get_path is cw_json_get with the path as a cw_str, which may
 * hold any byte (a member name may contain U+0000). */
static inline cw_str cw_json_get_path(cw_str v, cw_str path) {
    if (!v.ptr) return v;
    const char *s = cw__ws(v.ptr, v.ptr + v.len);
    const char *e = cw__skip(s, v.ptr + v.len);
    if (!e) return (cw_str){0, 0};
    v = (cw_str){s, (size_t)(e - s)};
    cw_str rest = path, seg;
    if (rest.len == 0) return v;
    while (v.ptr && cw_split(&rest, '.', &seg)) {
        int digits = seg.len > 0;
        size_t idx = 0;
        for (size_t i = 0; i < seg.len && digits; i++) {
            digits = seg.ptr[i] >= '0' && seg.ptr[i] <= '9';
            idx = idx * 10 + (size_t)(seg.ptr[i] - '0');
        }
        v = digits && cw_json_type(v) == CW_JSON_ARRAY ? cw_json_index(v, idx) : cw_json_member(v, seg);
    }
    return v;
}

/* cw_json_get follows a dot-separated path of member names and array
 * indexes from v: cw_json_get(call.input, "args.media.0.media_url"). The
 * whole text (surrounding white space trimmed) for "". */
static inline cw_str cw_json_get(cw_str v, const char *path) {
    return cw_json_get_path(v, cw_cstr(path));
}

/* cw_json_text returns the decoded text of JSON string v (NUL-terminated,
 * in the arena), or absent when v is not a string. */
static inline cw_str cw_json_text(cw_str v) {
    if (cw_json_type(v) != CW_JSON_STRING) return (cw_str){0, 0};
    char *dst = (char *)cw_alloc(v.len + 1);
    long n = dst ? cw__unescape(v, dst) : -1;
    if (n < 0) return (cw_str){0, 0};
    dst[n] = 0;
    return (cw_str){dst, (size_t)n};
}

/* cw_json_int parses JSON integer v into *out; it returns 0 on success, -1
 * when v is not an integer that fits. */
static inline int cw_json_int(cw_str v, int64_t *out) {
    if (cw_json_type(v) != CW_JSON_NUMBER) return -1;
    size_t i = 0;
    int neg = v.ptr[0] == '-';
    i += (size_t)neg;
    if (i == v.len) return -1;
    uint64_t u = 0;
    for (; i < v.len; i++) {
        char c = v.ptr[i];
        if (c < '0' || c > '9') return -1;
        if (u > (UINT64_MAX - 9) / 10) return -1;
        u = u * 10 + (uint64_t)(c - '0');
    }
    if (u > (uint64_t)INT64_MAX + (uint64_t)neg) return -1;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 0;
}

/* cw_json_bool reports whether v is the JSON literal true. */
static inline int cw_json_bool(cw_str v) { return v.len == 4 && cw_eq(v, cw_s("true")); }

/* ------------------------------------------------------------------------
 * Kernel memory
 * ------------------------------------------------------------------------ */

/* cw_kernel_write copies s into a new kernel block and returns its offset
 * (0 for an empty s: the kernel's null), in one host call (the kernel's
 * own store_u64 takes one per 8 bytes). */
static inline uint64_t cw_kernel_write(cw_str s) {
    if (s.len == 0) return 0;
    return cw_host_block_new(s.ptr, (uint32_t)s.len);
}

/* cw_kernel_read copies kernel block off into the arena (NUL-terminated),
 * in one host call; absent for offset 0. */
static inline cw_str cw_kernel_read(uint64_t off) {
    if (off == 0) return (cw_str){0, 0};
    size_t n = (size_t)cw_extism_length(off);
    char *p = (char *)cw_alloc(n + 1);
    if (!p) return (cw_str){0, 0};
    if (n) cw_host_block_read(off, p);
    p[n] = 0;
    return (cw_str){p, n};
}

/* ------------------------------------------------------------------------
 * Output and errors
 * ------------------------------------------------------------------------ */

/* cw_output sets the hook's result to the JSON in s and returns 0, the
 * hook's success status: `return cw_output(result);`. */
static inline int32_t cw_output(cw_str s) {
    cw_host_output_write(s.ptr, (uint32_t)s.len);
    return 0;
}

/* cw_fail_raw sets the hook's error to err as it is, and returns 1. An error
 * frame {"code":...,"detail":...} reaches the client unchanged; any other
 * text becomes a 4003 with detail [text]. Passing on the error text that
 * next failed with keeps the original error. */
static inline int32_t cw_fail_raw(cw_str err) {
    if (err.len == 0) err = cw_s("module failed");
    cw_host_error_write(err.ptr, (uint32_t)err.len);
    return 1;
}

/* cw_fail_json fails with {"code":code,"detail":<detail>}, detail being any
 * JSON value, and returns 1. */
static inline int32_t cw_fail_json(int code, cw_str detail) {
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, "code");
    cw_w_int(&b, code);
    cw_w_key(&b, "detail");
    cw_w_json(&b, detail);
    cw_w_end_obj(&b);
    return b.oom ? cw_fail_raw(cw_s("{\"code\":4006,\"detail\":\"out of memory\"}")) : cw_fail_raw(cw_buf_str(&b));
}

/* cw_fail fails with code and the detail ["message"], the shape of the
 * reference's validation errors: cw_fail(4003, "Message contains prohibited
 * content") reaches the client as
 * {"error":{"code":4003,"detail":["Message contains prohibited content"]}}. */
static inline int32_t cw_fail(int code, const char *message) {
    cw_buf d = {0};
    cw_w_arr(&d);
    cw_w_cstr(&d, message);
    cw_w_end_arr(&d);
    return cw_fail_json(code, cw_buf_str(&d));
}

/* ------------------------------------------------------------------------
 * Host calls
 * ------------------------------------------------------------------------ */

typedef uint64_t (*cw_host_fn)(uint64_t);

/* cw_host_call calls a chatwasm host function with the JSON request req.
 * On success it returns 0 and *res is the JSON result; on failure it
 * returns -1 and *res is the reason: an error frame's JSON
 * ({"code":4004,"detail":"Resource not found."}) or the host's plain text
 * (a capability not granted). */
static inline int cw_host_call(cw_host_fn fn, cw_str req, cw_str *res) {
    uint64_t in = cw_kernel_write(req);
    uint64_t out = fn(in);
    if (in) cw_extism_free(in);
    if (out == 0) {
        uint64_t e = cw_host_last_error();
        *res = cw_kernel_read(e);
        if (e) cw_extism_free(e);
        if (!res->ptr) *res = cw_s("{\"code\":4006,\"detail\":\"Internal server error.\"}");
        return -1;
    }
    *res = cw_kernel_read(out);
    cw_extism_free(out);
    return res->ptr ? 0 : -1;
}

/* One wrapper per host function of abi/README.md ("Host imports"); each
 * needs the capability the table there names. */
#define CW__WRAP(name)                                                                                       \
    static inline int cw_##name(cw_str req, cw_str *res) { return cw_host_call(cw_host_##name, req, res); }
CW__WRAP(next)
CW__WRAP(room_get)
CW__WRAP(room_property)
CW__WRAP(room_members)
CW__WRAP(members_add)
CW__WRAP(members_remove)
CW__WRAP(message_get)
CW__WRAP(user_get)
CW__WRAP(render_room)
CW__WRAP(render_message)
CW__WRAP(render_user)
CW__WRAP(render_notification)
CW__WRAP(kv_get)
CW__WRAP(kv_set)
CW__WRAP(kv_delete)
CW__WRAP(kv_list)
CW__WRAP(emit)
CW__WRAP(log)
CW__WRAP(room_messages)
CW__WRAP(user_rooms)
CW__WRAP(message_create)
CW__WRAP(message_modify)
CW__WRAP(message_react)
CW__WRAP(receipt_create)
CW__WRAP(delivery_ack)
CW__WRAP(room_create)
CW__WRAP(room_modify)
CW__WRAP(session_register)
CW__WRAP(session_update)
CW__WRAP(notification_create)
CW__WRAP(notification_read)
#undef CW__WRAP

/* cw_continue runs the rest of the chain with args (the hook's own, or
 * changed ones) and makes its result the hook's: its output on success,
 * its error unchanged on failure. `return cw_continue(call.args);` is the
 * reference's `return super()...`. */
static inline int32_t cw_continue(cw_str args) {
    cw_str res;
    if (cw_next(args, &res) != 0) return cw_fail_raw(res);
    return cw_output(res);
}

/* cw_request1 builds the one-member request {"<key>":<value JSON>} most
 * data imports take: cw_room_get(cw_request1("room_id", room_id_json), &r). */
static inline cw_str cw_request1(const char *key, cw_str value_json) {
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, key);
    cw_w_json(&b, value_json);
    cw_w_end_obj(&b);
    return cw_buf_str(&b);
}

/* cw_log_msg logs message at level ("debug", "info", "warn", "error"),
 * with attrs (a JSON object; absent for none), through the log import
 * (capability "log"); 0 on success. */
static inline int cw_log_msg(const char *level, cw_str message, cw_str attrs) {
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, "level");
    cw_w_cstr(&b, level);
    cw_w_key(&b, "message");
    cw_w_str(&b, message);
    if (attrs.ptr) {
        cw_w_key(&b, "attrs");
        cw_w_json(&b, attrs);
    }
    cw_w_end_obj(&b);
    cw_str res;
    return cw_log(cw_buf_str(&b), &res);
}

/* cw_emit_room sends event_type with data (JSON; null when absent) to every
 * member of room_id after the operation commits (capability "events.emit");
 * 0 on success. */
static inline int cw_emit_room(cw_str room_id, const char *event_type, cw_str data) {
    cw_buf b = {0};
    cw_w_obj(&b);
    cw_w_key(&b, "to");
    cw_w_cstr(&b, "room");
    cw_w_key(&b, "room_id");
    cw_w_str(&b, room_id);
    cw_w_key(&b, "event_type");
    cw_w_cstr(&b, event_type);
    cw_w_key(&b, "data");
    cw_w_json(&b, data);
    cw_w_end_obj(&b);
    cw_str res;
    return cw_emit(cw_buf_str(&b), &res);
}

/* ------------------------------------------------------------------------
 * Config, vars, Extism log, HTTP
 * ------------------------------------------------------------------------ */

/* cw__kernel_get calls an Extism getter (config_get, var_get) with key in a
 * kernel block and returns its value, absent when the getter has none; both
 * blocks are freed. */
static inline cw_str cw__kernel_get(uint64_t (*get)(uint64_t), const char *key) {
    uint64_t k = cw_kernel_write(cw_cstr(key));
    uint64_t v = get(k);
    if (k) cw_extism_free(k);
    cw_str s = cw_kernel_read(v);
    if (v) cw_extism_free(v);
    return s;
}

#ifndef CW_CONFIG_CACHE
#define CW_CONFIG_CACHE 16
#endif

/* The config cache. A module's config is fixed for as long as its instances
 * live (the host reads it when it loads the module), so cw_config asks the
 * host once per key and instance instead of on every call (six host calls
 * each time). The keys and values are kept, NUL-terminated, in a 64 KiB
 * page of their own (from malloc with wasi-libc); a key past the first
 * CW_CONFIG_CACHE, or one that no longer fits, is asked for every time. */
struct cw__config_cache {
    uint32_t n;
    char *cur, *end;
    struct {
        cw_str key, val;
    } e[CW_CONFIG_CACHE];
};

__attribute__((weak)) struct cw__config_cache cw__config_state;

/* cw__config_keep returns n bytes of the cache's page, NULL when they do
 * not fit or memory cannot grow. */
static inline char *cw__config_keep(size_t n) {
    struct cw__config_cache *c = &cw__config_state;
    if (!c->cur) {
#ifdef CW__MALLOC
        char *p = (char *)malloc(65536);
        if (!p) return 0;
#else
        size_t old = __builtin_wasm_memory_grow(0, 1);
        if (old == (size_t)-1) return 0;
        char *p = (char *)(old * 65536);
#endif
        c->cur = p;
        c->end = p + 65536;
    }
    if ((size_t)(c->end - c->cur) < n) return 0;
    char *p = c->cur;
    c->cur += n;
    return p;
}

/* cw_config returns the module's config value for key (the deployment's
 * config map), absent when it has none. The value lives as long as the
 * instance. */
static inline cw_str cw_config(const char *key) {
    struct cw__config_cache *c = &cw__config_state;
    cw_str k = cw_cstr(key);
    for (uint32_t i = 0; i < c->n; i++)
        if (cw_eq(c->e[i].key, k)) return c->e[i].val;
    cw_str v = cw__kernel_get(cw_extism_config_get, key);
    char *p = c->n < CW_CONFIG_CACHE ? cw__config_keep(k.len + v.len + 2) : 0;
    if (!p) return v;
    cw__copy(p, k.ptr, k.len);
    p[k.len] = 0;
    c->e[c->n].key = (cw_str){p, k.len};
    c->e[c->n].val = v;
    if (v.ptr) {
        cw__copy(p + k.len + 1, v.ptr, v.len);
        p[k.len + 1 + v.len] = 0;
        c->e[c->n].val = (cw_str){p + k.len + 1, v.len};
    }
    c->n++;
    return c->e[c->n - 1].val;
}

/* cw_var_get returns the instance variable key, absent when unset. Vars
 * live as long as the instance, which the host may replace at any time:
 * use kv for anything that matters. */
static inline cw_str cw_var_get(const char *key) { return cw__kernel_get(cw_extism_var_get, key); }

/* cw_var_set sets (or, for an absent value, deletes) the variable key. */
static inline void cw_var_set(const char *key, cw_str value) {
    uint64_t k = cw_kernel_write(cw_cstr(key));
    uint64_t v = value.ptr ? cw_kernel_write(value) : 0;
    cw_extism_var_set(k, v);
}

enum cw_level { CW_TRACE, CW_DEBUG, CW_INFO, CW_WARN, CW_ERROR };

/* cw_klog logs msg through the Extism kernel (no capability needed; the host
 * names the module), unless the host's level drops it. */
static inline void cw_klog(enum cw_level level, cw_str msg) {
    if ((int32_t)level < cw_extism_get_log_level()) return;
    uint64_t m = cw_kernel_write(msg);
    if (!m) return;
    switch (level) {
    case CW_TRACE: cw_extism_log_trace(m); break;
    case CW_DEBUG: cw_extism_log_debug(m); break;
    case CW_INFO: cw_extism_log_info(m); break;
    case CW_WARN: cw_extism_log_warn(m); break;
    default: cw_extism_log_error(m); break;
    }
    cw_extism_free(m);
}

/* cw_http sends the Extism HTTP request req
 * ({"url":...,"method":"POST","headers":{...}}) with body (absent for none)
 * to one of the deployment's allowed_hosts. It returns the response's
 * status code and sets *resp to its body; or it returns 0 and sets *resp to
 * the reason when the host refused the request or it failed. */
static inline int cw_http(cw_str req, cw_str body, cw_str *resp) {
    uint64_t r = cw_kernel_write(req);
    uint64_t b = body.ptr ? cw_kernel_write(body) : 0;
    uint64_t out = cw_extism_http_request(r, b);
    int status = cw_extism_http_status_code();
    if (status == 0) {
        uint64_t e = cw_host_last_error();
        *resp = cw_kernel_read(e);
        if (e) cw_extism_free(e);
    } else {
        *resp = cw_kernel_read(out);
    }
    if (!resp->ptr) *resp = cw_s("");
    if (out) cw_extism_free(out);
    if (b) cw_extism_free(b);
    if (r) cw_extism_free(r);
    return status;
}

/* ------------------------------------------------------------------------
 * The call
 * ------------------------------------------------------------------------ */

/* cw_call is a hook's input, the envelope of abi/README.md ("The call
 * envelope"). Strings are decoded; args is the raw JSON of the hook's
 * arguments, to read with cw_json_get or pass on to cw_next. */
typedef struct {
    cw_str input; /* the whole envelope */
    int64_t abi;
    cw_str hook, tenant;
    int64_t user_id, session_id;
    cw_str username;
    cw_str args;
} cw_call;

/* cw_input returns the call's input (NUL-terminated, in the arena). */
static inline cw_str cw_input(void) {
    size_t n = (size_t)cw_extism_input_length();
    char *p = (char *)cw_alloc(n + 1);
    if (!p) return (cw_str){0, 0};
    if (n) cw_host_input_read(p, (uint32_t)n);
    p[n] = 0;
    return (cw_str){p, n};
}

/* cw_begin starts a hook call: it resets the arena, reads the input and
 * decodes the envelope into *c. It returns 0, or -1 with the hook's error
 * already set (return 1 then). */
static inline int cw_begin(cw_call *c) {
    cw_reset();
    *c = (cw_call){0};
    c->input = cw_input();
    cw_str env = cw_json_get(c->input, "");
    if (cw_json_type(env) != CW_JSON_OBJECT) {
        cw_fail(4006, "chatwasm: the call's input is not an envelope");
        return -1;
    }
    /* One pass over the envelope and one over the caller, each member's value
     * skipped once: a lookup per field would walk the arguments (most of the
     * input) again for every field. Of a member given twice the last counts,
     * as in cw_json_member. */
    cw_json_iter it = cw_json_iterate(env);
    cw_str k, v, caller = {0, 0};
    while (cw_json_next(&it, &k, &v)) {
        if (cw__key_is(k, cw_s("args"))) c->args = v;
        else if (cw__key_is(k, cw_s("hook"))) c->hook = v;
        else if (cw__key_is(k, cw_s("tenant"))) c->tenant = v;
        else if (cw__key_is(k, cw_s("caller"))) caller = v;
        else if (cw__key_is(k, cw_s("abi"))) cw_json_int(v, &c->abi);
    }
    c->hook = cw_json_text(c->hook);
    c->tenant = cw_json_text(c->tenant);
    it = cw_json_iterate(caller);
    while (cw_json_next(&it, &k, &v)) {
        if (cw__key_is(k, cw_s("user_id"))) cw_json_int(v, &c->user_id);
        else if (cw__key_is(k, cw_s("session_id"))) cw_json_int(v, &c->session_id);
        else if (cw__key_is(k, cw_s("username"))) c->username = cw_json_text(v);
    }
    if (!c->args.ptr) c->args = cw_s("null");
    return 0;
}

/* ------------------------------------------------------------------------
 * Typed arguments
 *
 * The cw_read_* functions read the arguments of a hook (cw_call.args) into
 * a struct: strings decoded (absent when the key is absent or null), ids
 * and lists kept as raw JSON (walk them with cw_json_iterate), integers
 * parsed (0 when absent). The enriched fields are abi/README.md's.
 * ------------------------------------------------------------------------ */

/* cw_create_message_args: create_message / _create_message. room_kind
 * ("OneToOneChat", "GroupChat", "Channel"), member_count and sender_role
 * ("creator", "admin", "moderator", "member", "subscriber", "none")
 * describe the room as the send check found it; absent (0) outside a
 * client's message.send. */
typedef struct {
    cw_str room_id, content, parent_message_id, forwarded_from_id;
    cw_str media; /* raw JSON array of attachments */
    cw_str room_kind, sender_role;
    int64_t member_count;
} cw_create_message_args;

static inline void cw_read_create_message_args(cw_str args, cw_create_message_args *a) {
    *a = (cw_create_message_args){0};
    a->room_id = cw_json_text(cw_json_member(args, cw_s("room_id")));
    a->content = cw_json_text(cw_json_member(args, cw_s("content")));
    a->parent_message_id = cw_json_text(cw_json_member(args, cw_s("parent_message_id")));
    a->forwarded_from_id = cw_json_text(cw_json_member(args, cw_s("forwarded_from_id")));
    a->media = cw_json_member(args, cw_s("media"));
    a->room_kind = cw_json_text(cw_json_member(args, cw_s("room_kind")));
    a->sender_role = cw_json_text(cw_json_member(args, cw_s("sender_role")));
    cw_json_int(cw_json_member(args, cw_s("member_count")), &a->member_count);
}

/* cw_permission_args: a permission hook. room_id, message_id and data are
 * raw, as the client sent them; resolved is 1 when the host resolved the
 * request, and then room (its id), room_kind, role (the caller's) and
 * message_ids (raw JSON array of canonical ids) say what it found. */
typedef struct {
    cw_str room_id, message_id, data; /* raw */
    cw_str perm_phrase, action;
    int resolved;
    cw_str room, room_kind, role;
    cw_str message_ids; /* raw JSON array */
} cw_permission_args;

static inline void cw_read_permission_args(cw_str args, cw_permission_args *a) {
    *a = (cw_permission_args){0};
    a->room_id = cw_json_member(args, cw_s("room_id"));
    a->message_id = cw_json_member(args, cw_s("message_id"));
    a->data = cw_json_member(args, cw_s("data"));
    a->perm_phrase = cw_json_text(cw_json_member(args, cw_s("perm_phrase")));
    a->action = cw_json_text(cw_json_member(args, cw_s("action")));
    cw_str r = cw_json_member(args, cw_s("resolved"));
    if (cw_json_type(r) != CW_JSON_OBJECT) return;
    a->resolved = 1;
    a->room = cw_json_text(cw_json_member(r, cw_s("room_id")));
    a->room_kind = cw_json_text(cw_json_member(r, cw_s("room_kind")));
    a->role = cw_json_text(cw_json_member(r, cw_s("role")));
    a->message_ids = cw_json_member(r, cw_s("message_ids"));
}

/* cw_exception_args: handle_exception. kind is "permission",
 * "validation", "not_found", "integrity", "internal", "error",
 * "module_error", "module_fault" or "module_busy"; data is the frame's
 * data (raw); room_id the request's room where known; module the module
 * that raised the error (absent for the host's own). */
typedef struct {
    int64_t code;
    cw_str detail, data; /* raw */
    cw_str kind, event_type, room_id, module;
} cw_exception_args;

static inline void cw_read_exception_args(cw_str args, cw_exception_args *a) {
    *a = (cw_exception_args){0};
    cw_json_int(cw_json_member(args, cw_s("code")), &a->code);
    a->detail = cw_json_member(args, cw_s("detail"));
    a->data = cw_json_member(args, cw_s("data"));
    a->kind = cw_json_text(cw_json_member(args, cw_s("kind")));
    a->event_type = cw_json_text(cw_json_member(args, cw_s("event_type")));
    a->room_id = cw_json_text(cw_json_member(args, cw_s("room_id")));
    a->module = cw_json_text(cw_json_member(args, cw_s("module")));
}

/* cw_notification_args: create_chat_notification. recipients is the raw
 * JSON array of the user ids to notify (the room's members but user_id),
 * "null" for the default; pass next fewer to mute some. */
typedef struct {
    cw_str message_id, room_id, notification_type;
    int64_t user_id;
    cw_str recipients; /* raw */
} cw_notification_args;

static inline void cw_read_notification_args(cw_str args, cw_notification_args *a) {
    *a = (cw_notification_args){0};
    a->message_id = cw_json_text(cw_json_member(args, cw_s("message_id")));
    a->room_id = cw_json_text(cw_json_member(args, cw_s("room_id")));
    a->notification_type = cw_json_text(cw_json_member(args, cw_s("notification_type")));
    cw_json_int(cw_json_member(args, cw_s("user_id")), &a->user_id);
    a->recipients = cw_json_member(args, cw_s("recipients"));
}

/* cw_write_notification_args writes a as create_chat_notification's
 * arguments, to pass to cw_next / cw_continue. */
static inline void cw_write_notification_args(cw_buf *b, const cw_notification_args *a) {
    cw_w_obj(b);
    cw_w_key(b, "message_id");
    cw_w_str(b, a->message_id);
    cw_w_key(b, "room_id");
    cw_w_str(b, a->room_id);
    cw_w_key(b, "notification_type");
    cw_w_str(b, a->notification_type);
    cw_w_key(b, "user_id");
    cw_w_int(b, a->user_id);
    cw_w_key(b, "recipients");
    if (a->recipients.ptr)
        cw_w_json(b, a->recipients);
    else
        cw_w_null(b);
    cw_w_end_obj(b);
}

/* cw_update_notification_args: update_chat_notification, the messages
 * whose notifications the caller (user_id) acknowledged. */
typedef struct {
    cw_str message_ids; /* raw JSON array */
    int64_t user_id;
} cw_update_notification_args;

static inline void cw_read_update_notification_args(cw_str args, cw_update_notification_args *a) {
    *a = (cw_update_notification_args){0};
    a->message_ids = cw_json_member(args, cw_s("message_ids"));
    cw_json_int(cw_json_member(args, cw_s("user_id")), &a->user_id);
}

/* ------------------------------------------------------------------------
 * Case folding
 * ------------------------------------------------------------------------ */

/* cw_utf8_next decodes the rune at s[*i] and advances *i; invalid bytes
 * decode to U+FFFD one at a time, as in Go. */
static inline uint32_t cw_utf8_next(cw_str s, size_t *i) {
    const unsigned char *p = (const unsigned char *)s.ptr + *i;
    size_t left = s.len - *i;
    uint32_t c = p[0];
    if (c < 0x80) return (*i)++, c;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || n > left || c > 0xF4) return (*i)++, 0xFFFD;
    uint32_t r = c & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80) return (*i)++, 0xFFFD;
        r = r << 6 | (p[k] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (r < min[n] || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) return (*i)++, 0xFFFD;
    *i += n;
    return r;
}

/* cw_lower_rune is Unicode's simple lowercase mapping (Go's unicode.ToLower)
 * for ASCII, Latin-1, Latin Extended-A and Additional, Greek, Cyrillic,
 * Armenian, Georgian, the letterlike signs and fullwidth Latin; other runes
 * are returned unchanged. */
static inline uint32_t cw_lower_rune(uint32_t r) {
    if (r < 0x80) return r >= 'A' && r <= 'Z' ? r + 32 : r;
    if (r >= 0xC0 && r <= 0xDE && r != 0xD7) return r + 32;
    if (r >= 0x100 && r <= 0x17F) {
        if (r == 0x130) return 'i';
        if (r == 0x178) return 0xFF;
        if ((r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E)) return r & 1 ? r + 1 : r;
        if (r == 0x131 || r == 0x138 || r == 0x149 || r == 0x17F) return r;
        return r & 1 ? r : r + 1;
    }
    if (r >= 0x386 && r <= 0x3AB) {
        if (r == 0x386) return 0x3AC;
        if (r >= 0x388 && r <= 0x38A) return r + 37;
        if (r == 0x38C) return 0x3CC;
        if (r == 0x38E || r == 0x38F) return r + 63;
        if (r >= 0x391 && r != 0x3A2) return r + 32;
        return r;
    }
    if (r >= 0x3D8 && r <= 0x3EF) return r & 1 ? r : r + 1;
    if (r >= 0x400 && r <= 0x40F) return r + 80;
    if (r >= 0x410 && r <= 0x42F) return r + 32;
    if ((r >= 0x460 && r <= 0x481) || (r >= 0x48A && r <= 0x4BF) || (r >= 0x4D0 && r <= 0x52F))
        return r & 1 ? r : r + 1;
    if (r == 0x4C0) return 0x4CF;
    if (r >= 0x4C1 && r <= 0x4CE) return r & 1 ? r + 1 : r;
    if (r >= 0x531 && r <= 0x556) return r + 48;
    if ((r >= 0x10A0 && r <= 0x10C5) || r == 0x10C7 || r == 0x10CD) return r + 7264;
    if ((r >= 0x1E00 && r <= 0x1E95) || (r >= 0x1EA0 && r <= 0x1EFF)) return r & 1 ? r : r + 1;
    if (r == 0x1E9E) return 0xDF;
    if (r == 0x2126) return 0x3C9;
    if (r == 0x212A) return 'k';
    if (r == 0x212B) return 0xE5;
    if (r >= 0x2160 && r <= 0x216F) return r + 16;
    if (r >= 0x24B6 && r <= 0x24CF) return r + 26;
    if (r >= 0xFF21 && r <= 0xFF3A) return r + 32;
    return r;
}

/* cw_lower returns s lowercased (cw_lower_rune on every rune), in the arena;
 * absent stays absent. */
static inline cw_str cw_lower(cw_str s) {
    if (!s.ptr) return s;
    /* A rune's lowercase never needs more than 3 bytes more than it takes
     * (U+023A, 2 bytes, lowers to 3), and that rune is not mapped here. */
    char *dst = (char *)cw_alloc(s.len * 2 + 4);
    if (!dst) return (cw_str){0, 0};
    size_t n = 0;
    for (size_t i = 0; i < s.len;) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < 0x80) { /* ASCII, most text: no rune to decode */
            dst[n++] = (char)((unsigned)(c - 'A') < 26u ? c + 32 : c);
            i++;
            continue;
        }
        n += cw_utf8_put(dst + n, cw_lower_rune(cw_utf8_next(s, &i)));
    }
    dst[n] = 0;
    return (cw_str){dst, n};
}

#ifdef __cplusplus
}
#endif

#endif /* CHATWASM_H */
