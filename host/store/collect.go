package store

import "context"

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

// collectPerMessage runs the query q(in), where in is the predicate "col
// is one of ids" (anyOf), like collectGroups: rows grouped by their message
// id. No ids is an empty map, without a query.
func collectPerMessage[V any](ctx context.Context, t *Tx, op string, ids []string, scan func(scanner) (string, V, error), q func(in string) string, col string) (map[string][]V, error) {
	if len(ids) == 0 {
		return map[string][]V{}, nil
	}
	args, in := anyOf(t.d, nil, col, ids)
	return collectGroups(ctx, t.ex, op, scan, q(in), args...)
}

// scanColumn scans a row of one column.
func scanColumn[T any](r scanner) (T, error) {
	var v T
	err := r.Scan(&v)
	return v, err
}
