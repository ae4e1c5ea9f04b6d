package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
)

// CreateNotification stores one ChatNotification of typ for messageID with
// recipients (the users who have not acknowledged it yet).
func (t *Tx) CreateNotification(ctx context.Context, messageID, typ string, recipients []int64) (Notification, error) {
	n := Notification{ID: NewID(), MessageID: messageID, Type: typ, CreatedAt: t.Now()}
	if _, err := t.ex.Exec(ctx, "INSERT INTO notifications (id, message_id, notification_type, created_at) VALUES ($1, $2, $3, $4)",
		n.ID, messageID, typ, Micros(n.CreatedAt)); err != nil {
		return Notification{}, wrap("create notification", err)
	}
	// One multi-row insert per chunk rather than a round trip per member:
	// a channel may have hundreds of recipients for every message.
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
// recipients are the members of roomID other than actor, in two statements
// whatever the room's size. With no such member nothing is stored and ok is
// false: that notification could never be delivered nor acknowledged. Lock
// the room row first if membership may change concurrently (message.send
// does), or the recipients are the members when the second statement runs.
func (t *Tx) NotifyRoom(ctx context.Context, roomID, messageID, typ string, actor int64) (n Notification, ok bool, err error) {
	n = Notification{ID: NewID(), MessageID: messageID, Type: typ, CreatedAt: t.Now()}
	stored, err := t.ex.Exec(ctx, `INSERT INTO notifications (id, message_id, notification_type, created_at)
		SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM room_members WHERE room_id = $5 AND user_id <> $6)`,
		n.ID, messageID, typ, Micros(n.CreatedAt), roomID, actor)
	if err != nil || stored == 0 {
		return Notification{}, false, wrap("notify room", err)
	}
	if _, err := t.ex.Exec(ctx, `INSERT INTO notification_recipients (notification_id, user_id)
		SELECT $1, user_id FROM room_members WHERE room_id = $2 AND user_id <> $3`, n.ID, roomID, actor); err != nil {
		return Notification{}, false, wrap("notify room", err)
	}
	return n, true, nil
}

// AckNotifications removes userID from the recipients of every notification
// of the messages among ids, and deletes those notifications that are left
// without recipients (the reference's auto-delete on removal).
func (t *Tx) AckNotifications(ctx context.Context, ids []string, userID int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := inBatches(ids, func(ids []string) error {
		args, ph := sqlList([]any{userID}, ids)
		if _, err := t.ex.Exec(ctx, `DELETE FROM notification_recipients WHERE user_id = $1 AND notification_id IN (
			SELECT id FROM notifications WHERE message_id IN (`+ph+`))`, args...); err != nil {
			return err
		}
		args, ph = sqlList(nil, ids)
		_, err := t.ex.Exec(ctx, `DELETE FROM notifications WHERE message_id IN (`+ph+`) AND NOT EXISTS (
			SELECT 1 FROM notification_recipients r WHERE r.notification_id = notifications.id)`, args...)
		return err
	})
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
		"SELECT user_id FROM notification_recipients WHERE notification_id = $1 ORDER BY user_id", id)
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
	// serialized size (MinNotificationBytes plus the characters of their
	// message's content) sum to at most Bytes, and the one that crosses it:
	// what a frame of Bytes can hold is among them, and however long the
	// backlog no more than about Bytes/MinNotificationBytes rows are read.
	Bytes int64
}

// MinNotificationBytes is less than what any notification takes in the
// chat.notifications frame besides its message's content: its id, type and
// message's ids, sender and timestamps alone take more.
const MinNotificationBytes = 256

// Pending is what PendingNotifications read.
type Pending struct {
	// Notifications are in the chat.notifications frame's order: by their
	// room's creation (newest room first), then oldest notification first.
	Notifications []QueuedNotification
	// Omitted counts the notifications within PendingLimits.PerRoom that
	// PendingLimits.Bytes left out.
	Omitted int
}

// PendingNotifications returns the notifications userID is a recipient of,
// in rooms of tenant, with their messages, within lim; newest means the
// latest created, ties broken by id. It is one statement however long the
// backlog.
func (t *Tx) PendingNotifications(ctx context.Context, tenant string, userID int64, lim PendingLimits) (Pending, error) {
	// Window functions (both engines have them) rank each room's
	// notifications and sum the lower bounds newest first, so that neither
	// limit needs a second statement nor reads a row it drops. total counts
	// the rows within PerRoom, for Omitted.
	var p Pending
	total := 0
	err := eachRow(ctx, t.ex, "pending notifications", func(row scanner) error {
		var (
			q                QueuedNotification
			parent, fwd      sql.NullString
			at, mat, updated int64
		)
		err := row.Scan(&q.ID, &q.Type, &at, &total, &q.Message.ID, &q.Message.RoomID, &q.Message.SenderID,
			&q.Message.Content, &q.Message.IsDeleted, &q.Message.IsEdited, &q.Message.IsForwarded, &parent, &fwd, &mat, &updated)
		if err != nil {
			return err
		}
		q.MessageID, q.CreatedAt = q.Message.ID, FromMicros(at)
		if parent.Valid {
			q.Message.ParentMessageID = &parent.String
		}
		if fwd.Valid {
			q.Message.ForwardedFromID = &fwd.String
		}
		q.Message.CreatedAt, q.Message.UpdatedAt = FromMicros(mat), FromMicros(updated)
		p.Notifications = append(p.Notifications, q)
		return nil
	}, `WITH pending AS (
		SELECT n.id AS nid, n.notification_type, n.created_at AS ncreated, r.created_at AS rcreated, `+messageCols+`,
			ROW_NUMBER() OVER (PARTITION BY m.room_id ORDER BY n.created_at DESC, n.id DESC) AS nth
		FROM notification_recipients nr
		JOIN notifications n ON n.id = nr.notification_id
		JOIN messages m ON m.id = n.message_id
		JOIN rooms r ON r.id = m.room_id
		WHERE nr.user_id = $1 AND r.tenant = $2 AND NOT m.is_deleted
	), kept AS (
		SELECT pending.*, COUNT(*) OVER () AS total,
			SUM(LENGTH(content) + CAST($4 AS BIGINT)) OVER (ORDER BY ncreated DESC, nid DESC ROWS UNBOUNDED PRECEDING)
				- LENGTH(content) - CAST($4 AS BIGINT) AS before
		FROM pending WHERE CAST($3 AS INTEGER) = 0 OR nth <= CAST($3 AS INTEGER)
	)
	SELECT nid, notification_type, ncreated, total, `+messageCols+` FROM kept m
	WHERE CAST($5 AS BIGINT) = 0 OR before < CAST($5 AS BIGINT)
	ORDER BY rcreated DESC, room_id, ncreated, nid`, userID, tenant, lim.PerRoom, MinNotificationBytes, lim.Bytes)
	if err != nil {
		return Pending{}, err
	}
	p.Omitted = total - len(p.Notifications)
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
