package store

import (
	"context"
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

// PendingNotifications returns the notifications userID is a recipient of,
// in rooms of tenant, ordered by their room's creation (newest room first),
// then oldest notification first.
func (t *Tx) PendingNotifications(ctx context.Context, tenant string, userID int64) ([]PendingNotification, error) {
	return collect(ctx, t.ex, "pending notifications", func(row scanner) (PendingNotification, error) {
		var (
			p  PendingNotification
			at int64
		)
		err := row.Scan(&p.ID, &p.MessageID, &p.Type, &at, &p.RoomID)
		p.CreatedAt = FromMicros(at)
		return p, err
	}, `SELECT n.id, n.message_id, n.notification_type, n.created_at, m.room_id
		FROM notification_recipients nr
		JOIN notifications n ON n.id = nr.notification_id
		JOIN messages m ON m.id = n.message_id
		JOIN rooms r ON r.id = m.room_id
		WHERE nr.user_id = $1 AND r.tenant = $2 AND NOT m.is_deleted
		ORDER BY r.created_at DESC, r.id, n.created_at, n.id`, userID, tenant)
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
