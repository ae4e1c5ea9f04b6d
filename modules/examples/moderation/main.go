// Command moderation is a chatwasm module that refuses messages containing
// banned words. It replaces _create_message: a message whose content
// contains any of the comma-separated, case-insensitive words of its
// config's banned_words fails with a 4003 ["Message contains prohibited
// content"], inside the operation's transaction, so that nothing is stored;
// any other message goes on to the default.
package main

import (
	"encoding/json"
	"strings"
	"sync"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _create_message
func createMessage() int32 { return chatwasm.Handle(moderate) }

// moderate checks the message; the result of the default passes through
// unchanged (json.RawMessage: never decoded).
func moderate(c chatwasm.Call, in chatwasm.CreateMessageArgs) (json.RawMessage, error) {
	content := strings.ToLower(in.Content)
	for _, w := range bannedWords() {
		if strings.Contains(content, w) {
			return nil, chatwasm.Fail(4003, "Message contains prohibited content")
		}
	}
	return chatwasm.Next[json.RawMessage](c, c.Args)
}

// bannedWords are the lower-cased words of the config's banned_words, read
// once per instance: a module's config never changes under a running
// instance (a reload makes new instances).
var bannedWords = sync.OnceValue(func() []string {
	list, _ := chatwasm.Config("banned_words")
	var words []string
	for _, w := range strings.Split(list, ",") {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			words = append(words, w)
		}
	}
	return words
})
