package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// A notification's recipients (docs/decisions.md, "Notification recipients
// are implicit") are its notification_recipients rows (explicit: a
// module's choice, a member who left, a database from before) and, for one
// of NotifyRoom (room_id set), the members of its room whose membership
// began no later than it (joined_seq <= seq) but its actor, less those who
// acknowledged it (notification_acks). pending counts them, so that the
// auto-delete needs no count.

// recipientsOf is the SQL of the notifications pending for the user bound
// to $1, explicit then implicit, as cols of n (the notification).
//
// The user's acknowledgements are read once on SQLite, into a temporary
// index that each implicit notification probes, rather than searched for
// in notification_acks' index once a notification: for a connect's 10,000
// notifications that was ≈5 ms of SQLite's CPU. PostgreSQL keeps NOT
// EXISTS, an anti join: its NOT IN is a hashed subplan only while the
// acknowledgements fit in work_mem, and past that a scan of them for each
// notification.
func recipientsOf(d Dialect, cols string) string {
	notAcked := `NOT EXISTS (SELECT 1 FROM notification_acks a WHERE a.notification_id = n.id AND a.user_id = $1)`
	if d.Name == "sqlite" {
		notAcked = `n.id NOT IN (SELECT notification_id FROM notification_acks WHERE user_id = $1)`
	}
	return `SELECT ` + cols + ` FROM notification_recipients nr JOIN notifications n ON n.id = nr.notification_id
		WHERE nr.user_id = $1
		UNION ALL
		SELECT ` + cols + ` FROM room_members rm JOIN notifications n ON n.room_id = rm.room_id AND n.seq >= rm.joined_seq
		WHERE rm.user_id = $1 AND n.actor_id <> $1 AND ` + notAcked
}

// CreateNotification stores one ChatNotification of typ for messageID with
// recipients (the users who have not acknowledged it yet, each once).
func (t *Tx) CreateNotification(ctx context.Context, messageID, typ string, recipients []int64) (Notification, error) {
	n := Notification{ID: NewID(), MessageID: messageID, Type: typ, CreatedAt: t.Now()}
	if _, err := t.ex.Exec(ctx, "INSERT INTO notifications (id, message_id, notification_type, created_at, pending) VALUES ($1, $2, $3, $4, $5)",
		n.ID, messageID, typ, Micros(n.CreatedAt), int64(len(recipients))); err != nil {
		return Notification{}, wrap("create notification", err)
	}
	// One multi-row insert per chunk rather than a round trip per member:
	// a module may name hundreds of recipients.
	for chunk := range slices.Chunk(recipients, 500) {
		args := []any{n.ID}
		rows := make([]string, len(chunk))
		for i, u := range chunk {
			args = append(args, u)
			rows[i] = "($1, $" + strconv.Itoa(len(args)) + ")"
		}
		if _, err := t.ex.Exec(ctx, "INSERT INTO notification_recipients (notification_id, user_id) VALUES "+
			strings.Join(rows, ", "), args...); err != nil {
			return Notification{}, wrap("create notification", err)
		}
	}
	return n, nil
}

// NotifyRoom stores one ChatNotification of typ for messageID whose
// recipients are the members of roomID other than actor, as one row
// whatever the room's size: its recipients are implicit. With no such
// member nothing is stored and ok is false: that notification could never
// be delivered nor acknowledged. The caller holds the room's row lock
// (SetLastMessage, GetRoom(..., true) or LockRoom earlier in the
// transaction): a leave (RemoveMembers) takes it too, so that a member
// counted here has this notification among those made explicit when they
// leave.
func (t *Tx) NotifyRoom(ctx context.Context, roomID, messageID, typ string, actor int64) (n Notification, ok bool, err error) {
	// One statement reads member_seq and counts the members in one
	// snapshot, so a concurrent join is either in both or in neither.
	n = Notification{ID: NewID(), MessageID: messageID, Type: typ, CreatedAt: t.Now()}
	stored, err := t.ex.Exec(ctx, notifyRoomSQL, n.ID, messageID, typ, Micros(n.CreatedAt), roomID, actor)
	if err != nil || stored == 0 {
		return Notification{}, false, wrap("notify room", err)
	}
	return n, true, nil
}

// notifyRoomSQL is NotifyRoom's statement.
const notifyRoomSQL = `INSERT INTO notifications (id, message_id, notification_type, created_at, room_id, actor_id, seq, pending)
		SELECT $1, $2, $3, $4, r.id, $6, r.member_seq, c.n
		FROM rooms r, (SELECT COUNT(*) AS n FROM room_members WHERE room_id = $5 AND user_id <> $6) c
		WHERE r.id = $5 AND c.n > 0`

// NotifyRoomHeld is NotifyRoom for a caller that reads nothing of the
// notification (message.send): on PostgreSQL its statement is held back
// (Holder) and travels with the next statement or the commit, which saves
// a round trip. Its failure still fails the calling operation, and it
// alone, but is reported then: by Store.Write, not by this call.
func (t *Tx) NotifyRoomHeld(ctx context.Context, roomID, messageID, typ string, actor int64) error {
	return wrap("notify room", execHeld(ctx, t.ex, false, notifyRoomSQL, NewID(), messageID, typ, Micros(t.Now()), roomID, actor))
}

// AckNotifications removes userID from the recipients of every notification
// of the messages among ids, and deletes those notifications that are left
// without recipients (the reference's auto-delete on removal).
func (t *Tx) AckNotifications(ctx context.Context, ids []string, userID int64) error {
	if len(ids) == 0 {
		return nil
	}
	args, in := anyOf(t.d, []any{userID}, "message_id", ids)
	// The membership rows are locked (PostgreSQL) so that a leave, which
	// locks them before it makes the leaver's pending notifications
	// explicit, either sees this acknowledgement or ends the membership
	// before it is read here; then the explicit rows are deleted next.
	acked, err := collect(ctx, t.ex, "ack notifications", scanColumn[string],
		`INSERT INTO notification_acks (notification_id, user_id)
		SELECT n.id, rm.user_id FROM notifications n JOIN room_members rm ON rm.room_id = n.room_id AND rm.user_id = $1
		WHERE n.`+in+` AND rm.joined_seq <= n.seq AND n.actor_id <> $1`+t.d.ForUpdate+`
		ON CONFLICT DO NOTHING RETURNING notification_id`, args...)
	if err != nil {
		return err
	}
	explicit, err := collect(ctx, t.ex, "ack notifications", scanColumn[string],
		`DELETE FROM notification_recipients WHERE user_id = $1 AND notification_id IN (
			SELECT id FROM notifications WHERE `+in+`) RETURNING notification_id`, args...)
	if err != nil {
		return err
	}
	// A leave racing this acknowledgement may have made explicit what was
	// just acknowledged implicitly: the user was one recipient either way.
	done := append(acked, explicit...)
	slices.Sort(done)
	done = slices.Compact(done)
	if len(done) > 0 {
		dargs, din := anyOf(t.d, nil, "id", done)
		if _, err := t.ex.Exec(ctx, "UPDATE notifications SET pending = pending - 1 WHERE "+din, dargs...); err != nil {
			return wrap("ack notifications", err)
		}
	}
	// Every notification of the messages left without recipients goes, as
	// it always did, not only those this acknowledgement emptied.
	margs, mpred := anyOf(t.d, nil, "message_id", ids)
	_, err = t.ex.Exec(ctx, "DELETE FROM notifications WHERE "+mpred+" AND pending <= 0", margs...)
	return wrap("ack notifications", err)
}

// DeleteNotificationsOf deletes every notification of the messages among ids.
func (t *Tx) DeleteNotificationsOf(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := inBatches(ids, func(ids []string) error {
		args, ph := sqlList(nil, ids)
		_, err := t.ex.Exec(ctx, "DELETE FROM notifications WHERE message_id IN ("+ph+")", args...)
		return err
	})
	return wrap("delete notifications", err)
}

// NotificationRecipients returns the ids of a notification's recipients,
// ascending.
func (t *Tx) NotificationRecipients(ctx context.Context, id string) ([]int64, error) {
	return collect(ctx, t.ex, "notification recipients", scanColumn[int64],
		`SELECT user_id FROM notification_recipients WHERE notification_id = $1
		UNION ALL
		SELECT rm.user_id FROM notifications n
		JOIN room_members rm ON rm.room_id = n.room_id AND rm.joined_seq <= n.seq AND rm.user_id <> n.actor_id
		WHERE n.id = $1
			AND NOT EXISTS (SELECT 1 FROM notification_acks a WHERE a.notification_id = n.id AND a.user_id = rm.user_id)
		ORDER BY 1`, id)
}

// PendingNotification is a notification with the room of its message.
type PendingNotification struct {
	Notification
	RoomID string
}

// QueuedNotification is a notification pending for a user, with its
// message's row (which holds its room).
type QueuedNotification struct {
	Notification
	Message Message
}

// PendingLimits bound what PendingNotifications reads. Zero fields bound
// nothing.
type PendingLimits struct {
	// PerRoom keeps the newest PerRoom notifications of each room.
	PerRoom int
	// Bytes keeps the newest notifications whose lower bounds of their
	// serialized size (MinNotificationBytes plus the bytes of their
	// message's content) sum to at most Bytes, and the one that crosses it:
	// what a frame of Bytes can hold is among them, and however long the
	// backlog no more than Bytes/MinNotificationBytes rows are kept.
	Bytes int64
}

// MinNotificationBytes is less than what any notification takes in the
// chat.notifications frame besides its message's content: its message's
// MinMessageBytes and its own id and type.
const MinNotificationBytes = MinMessageBytes + 56

// Pending is what PendingNotifications read.
type Pending struct {
	// Notifications are in the chat.notifications frame's order: by their
	// room's creation (newest room first), then oldest notification first.
	Notifications []QueuedNotification
	// Cut reports that PendingLimits.Bytes left out notifications within
	// PendingLimits.PerRoom.
	Cut bool
}

// PendingNotifications returns the notifications userID is a recipient of,
// in rooms of tenant, with their messages, within lim; newest means the
// latest created, ties broken by id. It is one statement however long the
// backlog, whose rows are read newest first and no further than lim.Bytes
// needs.
//
// The notifications are sorted before their messages are read, in a
// materialized subquery that SQLite cannot flatten into the join: SQLite
// then reads the messages in the order they were written, each B-tree
// search near the one before, and its final sort is of rows already in
// order (BENCHMARKS.md, "Connect with 10,000 pending notifications: the
// notifications statement").
func (t *Tx) PendingNotifications(ctx context.Context, tenant string, userID int64, lim PendingLimits) (Pending, error) {
	type row struct {
		q        QueuedNotification
		roomTime int64
	}
	// The rows are kept by pointer: each is on the heap anyway (Scan takes
	// its fields' addresses), and growing a slice of the rows themselves
	// copied them over and over, 9 MB a connect of 10,000.
	var (
		kept    []*row
		perRoom = map[string]int{}
		bytes   int64
		p       Pending
	)
	errFull := errors.New("full")
	err := eachRow(ctx, t.ex, "pending notifications", func(sc scanner) error {
		var (
			r  = new(row)
			mr messageRow
			at int64
			m  = &r.q.Message
		)
		if err := sc.Scan(mr.dest(m, &r.q.ID, &r.q.Type, &at, &r.roomTime)...); err != nil {
			return err
		}
		if lim.PerRoom > 0 && perRoom[m.RoomID] >= lim.PerRoom {
			return nil
		}
		if lim.Bytes > 0 && bytes >= lim.Bytes {
			p.Cut = true
			return errFull
		}
		perRoom[m.RoomID]++
		bytes += MinNotificationBytes + int64(len(m.Content))
		r.q.MessageID, r.q.CreatedAt = m.ID, FromMicros(at)
		mr.fill(m)
		kept = append(kept, r)
		return nil
	}, `WITH p AS MATERIALIZED (`+recipientsOf(t.d, "n.id, n.notification_type, n.created_at, n.message_id")+`
			ORDER BY created_at DESC, id DESC)
		SELECT p.id, p.notification_type, p.created_at, r.created_at, `+messageCols+`
		FROM p
		JOIN messages m ON m.id = p.message_id
		JOIN rooms r ON r.id = m.room_id
		WHERE r.tenant = $2 AND NOT m.is_deleted
		ORDER BY p.created_at DESC, p.id DESC`, userID, tenant)
	if err != nil && !errors.Is(err, errFull) {
		return Pending{}, err
	}
	// The frame's order: newest room first, then oldest notification first.
	// The rows are read newest first, so within a room this is their
	// reverse.
	slices.Reverse(kept)
	slices.SortStableFunc(kept, func(a, b *row) int {
		return cmp.Or(cmp.Compare(b.roomTime, a.roomTime), cmp.Compare(a.q.Message.RoomID, b.q.Message.RoomID))
	})
	p.Notifications = make([]QueuedNotification, len(kept))
	for i, r := range kept {
		p.Notifications[i] = r.q
	}
	return p, nil
}

// GetNotification loads one notification of tenant by id; ErrNotFound if it
// does not exist or its message's room belongs to another tenant. RoomID is
// its message's room.
func (t *Tx) GetNotification(ctx context.Context, tenant, id string) (PendingNotification, error) {
	var (
		p  PendingNotification
		at int64
	)
	err := t.ex.QueryRow(ctx, `SELECT n.id, n.message_id, n.notification_type, n.created_at, m.room_id
		FROM notifications n
		JOIN messages m ON m.id = n.message_id
		JOIN rooms r ON r.id = m.room_id
		WHERE n.id = $1 AND r.tenant = $2`, id, tenant).Scan(&p.ID, &p.MessageID, &p.Type, &at, &p.RoomID)
	p.CreatedAt = FromMicros(at)
	return p, wrap("get notification", err)
}
