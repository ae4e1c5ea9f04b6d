// Package e2e is the external acceptance suite of chatwasm. Its tests build
// the real chatwasm binary, start real server processes on fresh databases and
// drive them only through the public interface (WebSocket protocol, admin HTTP
// API, CLI), checking the wire protocol of docs/protocol.md with the decisions of
// docs/decisions.md.
//
// Run it with
//
//	go test ./e2e/...
//
// The database engine is chosen by the environment variable CHATWASM_TEST_DB:
// unset or "sqlite" gives every server its own SQLite file; a postgres:// URL
// of a PostgreSQL server (e.g. the one scripts/pg-test-server starts) gives
// every server its own freshly created database on that server, dropped at
// cleanup, and enables the tests that run several nodes on one database.
//
// Its reliability tests try the server as an adversary would, each in
// bounded time and decided by counts, never by the machine's speed:
// TestKillDuringSends (SIGKILL under 32 concurrent senders, then a
// durability check, both engines), TestMultiNodeKill (a node killed under traffic on
// PostgreSQL), TestSlowReaderInBusyRoom, TestFramesFuzzedOverALiveSocket,
// TestHostileModules and TestHostileTenantLatency (a tenant's CPU-burning
// module against a clean tenant's latency).
package e2e
