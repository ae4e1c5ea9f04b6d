// Package testserver runs the chatwasm server for the tests and benchmarks
// that talk to it as a deployment does (e2e, bench, guest-sdk/go/modtest):
// it builds the chatwasm command once (cached by its sources), starts
// `chatwasm serve` on a fresh database with flags and a clean environment,
// waits for its "msg=listening addr=…" line, keeps its log, stops it with
// SIGTERM (failing the test unless it exits 0), creates users and tokens
// through the admin API, and connects WebSocket clients that send events
// and read frames.
//
// Every wait has a timeout, so that no test can hang. Each suite keeps on
// top only the helpers in which it differs (e2e's exact frame checks,
// bench's frame handlers, modtest's public API).
package testserver
