// Package bench holds chatwasm's end-to-end benchmarks: real server
// processes (the chatwasm binary, built once per run), real WebSocket
// clients, SQLite files and PostgreSQL databases. They measure what a
// deployment sees: a message sent until every member's connection has it, and
// the fan-out ceiling between two nodes sharing PostgreSQL, and the broker
// alone, PostgreSQL LISTEN/NOTIFY against NATS (BenchmarkBrokerCluster, which
// starts its own nats-server, skipped without one).
//
// Run them with
//
//	CHATWASM_TEST_POSTGRES=postgres://... go test -run '^$' -bench . ./bench/
//
// Without CHATWASM_TEST_POSTGRES (see package storetest) the PostgreSQL
// benchmarks are skipped and only the SQLite ones run. On Linux the
// benchmarks also report the CPU used by each server process, by the
// PostgreSQL backends of their database and by the benchmark's own clients,
// in percent of one core over the measured interval.
package bench
