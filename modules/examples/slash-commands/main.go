// Command slash-commands is a chatwasm module that replaces _create_message
// entirely: it never calls next. It rewrites the commands "/shrug [text]"
// and "/me action" in a message's content, stores the message itself with
// the message_create import (capability messages.write), in the
// operation's transaction and under the default's rules, and returns the
// message as stored, which the host then broadcasts to the room.
package main

import (
	"strings"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _create_message
func createMessage() int32 { return chatwasm.Handle(create) }

// create stores the message, its content rewritten, as the caller.
func create(c chatwasm.Call, in chatwasm.CreateMessageArgs) (chatwasm.Message, error) {
	in.Content = rewrite(in.Content, c.Caller.Username)
	return c.CreateMessage(0, in)
}

// shrug is what /shrug appends.
const shrug = `¯\_(ツ)_/¯`

// rewrite applies the slash command content starts with, if any.
func rewrite(content, username string) string {
	cmd, rest, _ := strings.Cut(content, " ")
	rest = strings.TrimSpace(rest)
	switch cmd {
	case "/shrug":
		return strings.TrimSpace(rest + " " + shrug)
	case "/me":
		if rest != "" {
			return "* " + username + " " + rest
		}
	}
	return content
}
