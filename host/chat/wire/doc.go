// Package wire is the chat server's wire model: what an operation's result
// looks like to a client. It holds the client errors and their codes
// (errors.go), the effects the gateway applies after an operation committed
// (effect.go), the serializers of messages, rooms and notifications in
// their JSON shapes (serialize_*.go), the fields modules add to them
// (extra_fields.go), and the Renderer of the modules' render_* imports,
// which needs nothing but a transaction.
//
// It sits below the operations (package chat) and the field parsing
// (package field), and depends on neither.
package wire
