// Package store is chatwasm's persistence layer.
//
// It follows the river approach: one [Driver] interface with two
// implementations (sqlite, on database/sql with modernc.org/sqlite, and
// postgres, on a pgx pool), and one body of typed queries written once
// against the driver's [Executor]. The SQL uses the subset both engines
// accept ($N placeholders, ON CONFLICT, RETURNING, CHECK and foreign keys), so
// the same store test suite runs against each driver and the two cannot drift.
//
// Every chat operation runs inside one transaction obtained from [Store.Write]
// (or [Store.Read] for pure reads); the typed methods hang off [Tx].
package store
