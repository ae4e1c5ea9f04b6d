package store

import (
	"context"
	"encoding/json"
	"slices"
)

// scanner is what a row scanner reads from: a Row or the current row of
// Rows.
type scanner = interface{ Scan(...any) error }

// eachRow runs the query q on ex and calls fn on each of its rows, in order;
// op names the query in errors.
func eachRow(ctx context.Context, ex Executor, op string, fn func(scanner) error, q string, args ...any) error {
	rows, err := ex.Query(ctx, q, args...)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return wrap(op, err)
		}
	}
	return wrap(op, rows.Err())
}

// collect runs q like eachRow and scans each of its rows with scan, in
// order. No rows is a nil slice.
func collect[T any](ctx context.Context, ex Executor, op string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	var out []T
	err := eachRow(ctx, ex, op, func(r scanner) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collectMap runs q like eachRow and maps the key of each row to its value,
// both read by scan; a later row with the same key wins.
func collectMap[K comparable, V any](ctx context.Context, ex Executor, op string, scan func(scanner) (K, V, error), q string, args ...any) (map[K]V, error) {
	out := make(map[K]V)
	err := eachRow(ctx, ex, op, func(r scanner) error {
		k, v, err := scan(r)
		if err != nil {
			return err
		}
		out[k] = v
		return nil
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collectGroups runs q like eachRow and groups the values of its rows by
// their key, both read by scan, each group in query order.
func collectGroups[K comparable, V any](ctx context.Context, ex Executor, op string, scan func(scanner) (K, V, error), q string, args ...any) (map[K][]V, error) {
	out := make(map[K][]V)
	err := eachRow(ctx, ex, op, func(r scanner) error {
		k, v, err := scan(r)
		if err != nil {
			return err
		}
		out[k] = append(out[k], v)
		return nil
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collectPerMessage runs the query q(from, on) like collectGroups: rows
// grouped by their message id. q reads the relation table through from, a
// FROM list that ends with it, and on, the predicate that picks its rows of
// the messages ids by its column col (perMessage). No ids is an empty map,
// without a query.
func collectPerMessage[V any](ctx context.Context, t *Tx, op string, ids []string, scan func(scanner) (string, V, error), q func(from, on string) string, col string) (map[string][]V, error) {
	if len(ids) == 0 {
		return map[string][]V{}, nil
	}
	args, from, on := perMessage(t.d, ids, col)
	return collectGroups(ctx, t.ex, op, scan, q(from, on), args...)
}

// perMessage binds ids as one parameter and returns the start of a FROM
// list and the predicate on col that read the rows of those ids from the
// table the FROM list ends with. On PostgreSQL it is col = ANY($1). On
// SQLite the ids, sorted and each once, drive the join, json_each's row
// after row probing col's index in ascending order: "col IN (SELECT value
// FROM json_each($1))" would first copy every id into a temporary index,
// which for a connect's 10,000 messages cost more than the probes
// themselves. ids already ascending and each once are bound as they are: a
// caller reading several relations of the same messages sorts them once
// rather than once a relation (sorting 10,000 ids cost a connect about
// 5 ms each time).
func perMessage(d Dialect, ids []string, col string) (args []any, from, on string) {
	if d.ArrayParams {
		args, on = anyOf(d, nil, col, ids)
		return args, "", on
	}
	if !ascendingOnce(ids) {
		ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	}
	b, _ := json.Marshal(ids) // strings always encode
	// CROSS JOIN keeps json_each the outer loop: SQLite never reorders it.
	return []any{string(b)}, "json_each($1) AS ids CROSS JOIN ", col + " = ids.value"
}

// ascendingOnce reports whether ids are in strictly ascending order.
func ascendingOnce(ids []string) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			return false
		}
	}
	return true
}

// scanColumn scans a row of one column.
func scanColumn[T any](r scanner) (T, error) {
	var v T
	err := r.Scan(&v)
	return v, err
}
