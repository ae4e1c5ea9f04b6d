package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
)

const messageCols = `m.id, m.room_id, m.sender_id, m.content, m.is_deleted, m.is_edited, m.is_forwarded,
	m.parent_message_id, m.forwarded_from_id, m.created_at, m.updated_at`

func scanMessage(r interface{ Scan(...any) error }) (Message, error) {
	var (
		m   Message
		row messageRow
	)
	if err := r.Scan(row.dest(&m)...); err != nil {
		return Message{}, err
	}
	row.fill(&m)
	return m, nil
}

// messageRow holds the messageCols of a row that do not scan straight
// into a Message.
type messageRow struct {
	parent, fwd      sql.NullString
	created, updated int64
}

// dest returns the scan destinations of a row of the columns before, then
// messageCols, into m and r.
func (r *messageRow) dest(m *Message, before ...any) []any {
	return append(append(make([]any, 0, len(before)+11), before...), &m.ID, &m.RoomID, &m.SenderID, &m.Content,
		&m.IsDeleted, &m.IsEdited, &m.IsForwarded, &r.parent, &r.fwd, &r.created, &r.updated)
}

// fill sets the fields of m that r holds.
func (r *messageRow) fill(m *Message) {
	m.ParentMessageID, m.ForwardedFromID = stringOrNil(r.parent), stringOrNil(r.fwd)
	m.CreatedAt, m.UpdatedAt = FromMicros(r.created), FromMicros(r.updated)
}

// messageByID scans a message row keyed by its id.
func messageByID(r scanner) (string, Message, error) {
	m, err := scanMessage(r)
	return m.ID, m, err
}

// maxBoundIDs is how many ids one statement binds at most as separate
// parameters: SQLite refuses more than 32766 parameters and PostgreSQL's
// protocol carries 65535, so a longer list written with sqlList (acks,
// deletions) is written in batches of this many. Reads bind their list as
// one parameter instead (anyOf).
const maxBoundIDs = 1000

// inBatches calls fn for each run of at most maxBoundIDs of ids, in order,
// and stops at the first error.
func inBatches[T any](ids []T, fn func(batch []T) error) error {
	for len(ids) > 0 {
		n := min(len(ids), maxBoundIDs)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// anyOf appends vals to args as one parameter and returns the predicate
// "col is one of vals" that reads it: = ANY($n) on PostgreSQL, IN over
// json_each($n) of a JSON array on SQLite. However long the list (a long
// absent member's pending notifications, a big room's history), it is one
// statement, and one SQL text, so one cached prepared statement, whatever
// its length.
func anyOf[T string | int64](d Dialect, args []any, col string, vals []T) ([]any, string) {
	p := "$" + strconv.Itoa(len(args)+1)
	if d.ArrayParams {
		return append(args, vals), col + " = ANY(" + p + ")"
	}
	b, _ := json.Marshal(vals) // strings and integers always encode
	return append(args, string(b)), col + " IN (SELECT value FROM json_each(" + p + "))"
}

// sqlList appends vals to args and returns their "$i, $j, ..." list, for
// IN clauses of writes whose length is only known at run time. vals must be
// a batch (at most maxBoundIDs): see inBatches.
func sqlList[T any](args []any, vals []T) ([]any, string) {
	ph := make([]string, len(vals))
	for i, v := range vals {
		args = append(args, v)
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	return args, strings.Join(ph, ", ")
}

// InsertMessage stores m and returns it with its id (a new one when m.ID is
// empty) and timestamps. created_at is now, or one microsecond after the
// room's latest message if that is not earlier, so that history pages are
// stable even for messages sent within the same microsecond. It is computed
// by the INSERT itself, so it is strictly increasing within a room as long as
// concurrent inserts into the room are serialised: lock the room row first
// (SetLastMessage or GetRoom(..., true) earlier in the transaction), as
// message.send does. The forward/reply CHECK and the foreign keys make an
// invalid combination ErrConflict.
func (t *Tx) InsertMessage(ctx context.Context, m Message) (Message, error) {
	if m.ID == "" {
		m.ID = NewID()
	}
	// INSERT ... SELECT rather than VALUES, so that one statement reads the
	// room's latest created_at and inserts; PostgreSQL types the parameters
	// from the target columns either way. CASE, not max(a, b) or GREATEST:
	// it is the form both engines accept.
	var created int64
	err := t.ex.QueryRow(ctx, `INSERT INTO messages (id, room_id, sender_id, content, is_deleted, is_edited, is_forwarded,
		parent_message_id, forwarded_from_id, created_at, updated_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, c, c FROM (
			SELECT CASE WHEN MAX(created_at) >= $10 THEN MAX(created_at) + 1 ELSE $10 END AS c
			FROM messages WHERE room_id = $2) AS latest
		RETURNING created_at`,
		m.ID, m.RoomID, m.SenderID, m.Content, m.IsDeleted, m.IsEdited, m.IsForwarded,
		m.ParentMessageID, m.ForwardedFromID, Micros(t.Now())).Scan(&created)
	if err != nil {
		return Message{}, wrap("insert message", err)
	}
	m.CreatedAt, m.UpdatedAt = FromMicros(created), FromMicros(created)
	return m, nil
}

// GetMessage loads one message of tenant by id, soft-deleted or not;
// ErrNotFound if it does not exist or its room belongs to another tenant.
func (t *Tx) GetMessage(ctx context.Context, tenant, id string) (Message, error) {
	m, err := scanMessage(t.ex.QueryRow(ctx, "SELECT "+messageCols+
		" FROM messages m JOIN rooms r ON r.id = m.room_id WHERE m.id = $1 AND r.tenant = $2", id, tenant))
	return m, wrap("get message", err)
}

// MessageReadableBy reports whether message id exists in tenant, is not
// soft-deleted, and is in a room userID is a member of, in one statement.
func (t *Tx) MessageReadableBy(ctx context.Context, tenant, id string, userID int64) (bool, error) {
	var one int
	err := t.ex.QueryRow(ctx, `SELECT 1 FROM messages m
		JOIN rooms r ON r.id = m.room_id
		JOIN room_members mb ON mb.room_id = m.room_id AND mb.user_id = $3
		WHERE m.id = $1 AND r.tenant = $2 AND NOT m.is_deleted`, id, tenant, userID).Scan(&one)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, wrap("message readable by", err)
}

// MessagesByID loads the messages among ids, keyed by id; absent ids are
// absent from the map. It does not filter by tenant: callers pass ids they
// already read from rows of the right tenant (e.g. a message's parent).
func (t *Tx) MessagesByID(ctx context.Context, ids []string) (map[string]Message, error) {
	if len(ids) == 0 {
		return map[string]Message{}, nil
	}
	args, in := anyOf(t.d, nil, "m.id", ids)
	return collectMap(ctx, t.ex, "messages by id", messageByID, "SELECT "+messageCols+" FROM messages m WHERE "+in, args...)
}

// MessagesWithReferences loads the messages among ids together with every
// message they reply to or forward, transitively, keyed by id, in one
// recursive query whatever the length of the chains (the serializer nests
// them all). Like MessagesByID it does not filter by tenant.
func (t *Tx) MessagesWithReferences(ctx context.Context, ids []string) (map[string]Message, error) {
	if len(ids) == 0 {
		return map[string]Message{}, nil
	}
	args, in := anyOf(t.d, nil, "id", ids)
	// UNION (not UNION ALL) drops rows already found, which also ends the
	// recursion on a reference cycle.
	return collectMap(ctx, t.ex, "messages with references", messageByID, `WITH RECURSIVE chain (id) AS (
		SELECT id FROM messages WHERE `+in+`
		UNION
		SELECT p.id FROM chain
			JOIN messages c ON c.id = chain.id
			JOIN messages p ON p.id = c.parent_message_id OR p.id = c.forwarded_from_id
	)
	SELECT `+messageCols+` FROM messages m WHERE m.id IN (SELECT id FROM chain)`, args...)
}

// RoomMessages returns up to limit of a room's messages that are not
// soft-deleted, newest first, skipping the first offset. A negative limit
// means no limit.
func (t *Tx) RoomMessages(ctx context.Context, roomID string, limit, offset int64) ([]Message, error) {
	q := "SELECT " + messageCols + " FROM messages m WHERE m.room_id = $1 AND NOT m.is_deleted ORDER BY m.created_at DESC, m.id DESC"
	args := []any{roomID}
	if limit >= 0 {
		q += " LIMIT $2 OFFSET $3"
		args = append(args, limit, offset)
	}
	return collect(ctx, t.ex, "room messages", scanMessage, q, args...)
}

// CountRoomMessages counts a room's messages that are not soft-deleted.
func (t *Tx) CountRoomMessages(ctx context.Context, roomID string) (int64, error) {
	var n int64
	err := t.ex.QueryRow(ctx, "SELECT COUNT(*) FROM messages WHERE room_id = $1 AND NOT is_deleted", roomID).Scan(&n)
	return n, wrap("count room messages", err)
}

// MinMessageBytes is less than any serialized message takes besides its
// content: its ids, sender, flags and timestamps alone take more.
const MinMessageBytes = 200

// RoomHistoryBytes returns a lower bound of the bytes a room's whole
// history (its messages that are not soft-deleted) takes serialized: the
// characters of their content plus MinMessageBytes each, known before
// reading any of them, in one aggregate query.
func (t *Tx) RoomHistoryBytes(ctx context.Context, roomID string) (int64, error) {
	var n int64
	err := t.ex.QueryRow(ctx, "SELECT COALESCE(SUM(LENGTH(content) + $2), 0) FROM messages WHERE room_id = $1 AND NOT is_deleted",
		roomID, MinMessageBytes).Scan(&n)
	return n, wrap("room history bytes", err)
}

// EditMessage replaces a message's content and marks it edited.
func (t *Tx) EditMessage(ctx context.Context, id, content string) error {
	return t.execFound(ctx, "edit message", "UPDATE messages SET content = $1, is_edited = TRUE, updated_at = $2 WHERE id = $3",
		content, Micros(t.Now()), id)
}

// DeleteMessages removes the messages among ids (soft=false) or flags them
// is_deleted (soft=true), and returns how many it affected. Rooms'
// last_message is not touched: call RefreshLastMessage.
func (t *Tx) DeleteMessages(ctx context.Context, ids []string, soft bool) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var total int64
	err := inBatches(ids, func(ids []string) error {
		var n int64
		var err error
		if soft {
			args, ph := sqlList([]any{Micros(t.Now())}, ids)
			n, err = t.ex.Exec(ctx, "UPDATE messages SET is_deleted = TRUE, updated_at = $1 WHERE NOT is_deleted AND id IN ("+ph+")", args...)
		} else {
			args, ph := sqlList(nil, ids)
			n, err = t.ex.Exec(ctx, "DELETE FROM messages WHERE id IN ("+ph+")", args...)
		}
		total += n
		return err
	})
	if soft {
		return total, wrap("soft delete messages", err)
	}
	return total, wrap("delete messages", err)
}

// SetLastMessage points a room's last_message at msgID and bumps its
// updated_at, as saving the room does in the reference; ErrNotFound if
// there is no such room. On PostgreSQL the statement is held back (Holder)
// and sent with the transaction's next one, which then reports its error:
// message.send's InsertMessage.
func (t *Tx) SetLastMessage(ctx context.Context, roomID, msgID string) error {
	return wrap("set last message", execHeld(ctx, t.ex, true, "UPDATE rooms SET last_message_id = $1, updated_at = $2 WHERE id = $3",
		msgID, Micros(t.Now()), roomID))
}

// AddDeliveries adds userID to delivered_to of every message among ids;
// already delivered messages are left as they are.
func (t *Tx) AddDeliveries(ctx context.Context, ids []string, userID int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := inBatches(ids, func(ids []string) error {
		args := []any{userID}
		rows := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			rows[i] = "($" + strconv.Itoa(len(args)) + ", $1)"
		}
		_, err := t.ex.Exec(ctx, "INSERT INTO message_deliveries (message_id, user_id) VALUES "+strings.Join(rows, ", ")+
			" ON CONFLICT (message_id, user_id) DO NOTHING", args...)
		return err
	})
	return wrap("add deliveries", err)
}

// DeliveredUsernames returns, per message among ids, the usernames of the
// users it was delivered to, ordered by user id.
func (t *Tx) DeliveredUsernames(ctx context.Context, ids []string) (map[string][]string, error) {
	return collectPerMessage(ctx, t, "delivered usernames", ids, func(row scanner) (string, string, error) {
		var id, name string
		err := row.Scan(&id, &name)
		return id, name, err
	}, func(from, on string) string {
		return "SELECT d.message_id, u.username FROM " + from + "message_deliveries d JOIN users u ON u.id = d.user_id" +
			" WHERE " + on + " ORDER BY d.message_id, u.id"
	}, "d.message_id")
}

// UsersIn loads the users among ids, keyed by id, whatever their tenant: the
// serializers use it for ids read from rows that are already tenant-scoped
// (senders, reactors, readers).
func (t *Tx) UsersIn(ctx context.Context, ids []int64) (map[int64]User, error) {
	if len(ids) == 0 {
		return map[int64]User{}, nil
	}
	args, in := anyOf(t.d, nil, "id", ids)
	return collectMap(ctx, t.ex, "users in", userByID, "SELECT "+userCols+" FROM users WHERE "+in, args...)
}
