/*
 * moderation-c: the moderation example in C, with the behaviour and config
 * of the Go example (modules/examples/moderation).
 *
 * It replaces _create_message: a message whose content contains any of the
 * comma-separated, case-insensitive banned_words of the module's config
 * fails with 4003 ["Message contains prohibited content"]; any other message
 * goes on to the default through next.
 */
#include "chatwasm.h"

CHATWASM_ABI_V1()

/* banned reports whether content contains one of the words of the
 * comma-separated list (white space around a word is ignored, and so are
 * empty words), ignoring case. */
static int banned(cw_str content, cw_str list) {
    cw_str text = cw_lower(content), rest = list, word;
    while (cw_split(&rest, ',', &word)) {
        word = cw_trim(word);
        if (word.len > 0 && cw_contains(text, cw_lower(word))) return 1;
    }
    return 0;
}

CHATWASM_EXPORT("_create_message") int32_t create_message(void) {
    cw_call call;
    if (cw_begin(&call) != 0) return 1;
    cw_str content = cw_json_text(cw_json_get(call.args, "content"));
    cw_str list = cw_config("banned_words");
    if (content.ptr && list.ptr && banned(content, list))
        return cw_fail(4003, "Message contains prohibited content");
    return cw_continue(call.args);
}
