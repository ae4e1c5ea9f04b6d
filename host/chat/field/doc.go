// Package field parses and validates the fields of a client action's data,
// without the database: ids (ids.go), DRF-style field validators
// (room_fields.go, message_fields.go), HTML sanitising (sanitize.go),
// pagination (paginate.go), and the JSON value tests the operations share
// (json_values.go). A field that does not validate is a *wire.Error with
// the reference's message.
package field
