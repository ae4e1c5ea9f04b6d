package store

import "context"

// scanner is what a row scanner reads from: a Row or the current row of
// Rows.
type scanner = interface{ Scan(...any) error }

// collect runs the query q on ex and scans each of its rows with scan, in
// order; op names the query in errors. No rows is a nil slice.
func collect[T any](ctx context.Context, ex Executor, op string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := ex.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, v)
	}
	return out, wrap(op, rows.Err())
}

// scanColumn scans a row of one column.
func scanColumn[T any](r scanner) (T, error) {
	var v T
	err := r.Scan(&v)
	return v, err
}
