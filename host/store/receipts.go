package store

import (
	"context"
	"strconv"
	"strings"
)

// InsertReadReceipts records that readerID read every message among ids, in
// one statement: if any of them was already read the whole insert is
// ErrConflict and nothing is recorded (docs/protocol.md §1.10). The unique key
// makes this hold under concurrency.
func (t *Tx) InsertReadReceipts(ctx context.Context, ids []string, readerID int64) error {
	if len(ids) == 0 {
		return nil
	}
	at := Micros(t.Now())
	args := make([]any, 0, 4*len(ids))
	rows := make([]string, len(ids))
	for i, id := range ids {
		n := len(args)
		args = append(args, NewID(), id, readerID, at)
		rows[i] = "($" + strconv.Itoa(n+1) + ", $" + strconv.Itoa(n+2) + ", $" + strconv.Itoa(n+3) + ", $" + strconv.Itoa(n+4) + ")"
	}
	_, err := t.ex.Exec(ctx, "INSERT INTO read_receipts (id, message_id, reader_id, read_at) VALUES "+strings.Join(rows, ", "), args...)
	return wrap("insert read receipts", err)
}

// ReceiptsOf returns the read receipts of the messages among ids, per
// message in the order they were read.
func (t *Tx) ReceiptsOf(ctx context.Context, ids []string) (map[string][]ReadReceipt, error) {
	return collectPerMessage(ctx, t, "read receipts", ids, func(row scanner) (string, ReadReceipt, error) {
		var (
			r  ReadReceipt
			at int64
		)
		err := row.Scan(&r.MessageID, &r.ReaderID, &at)
		r.ReadAt = FromMicros(at)
		return r.MessageID, r, err
	}, func(from, on string) string {
		return `SELECT r.message_id, r.reader_id, r.read_at FROM ` + from + `read_receipts r
			WHERE ` + on + ` ORDER BY r.message_id, r.read_at, r.reader_id`
	}, "r.message_id")
}
