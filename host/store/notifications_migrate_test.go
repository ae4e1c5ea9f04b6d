package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestMigrateNotificationRecipients: a database of schema 1, with a
// notification's recipient rows as every release before migration 3 wrote
// them (and one left without recipients by a user's deletion), keeps them
// through the migration: the same recipients, pending at connect, each
// acknowledgement taking one off and the last deleting it; and the room's
// members, who all joined before, are recipients of what is sent after.
func TestMigrateNotificationRecipients(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		ctx := context.Background()
		old := open(store.WithMigrations(migrationSet(t, nil)))
		if err := old.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		w := newMsgWorld(t, old, "t1", "ann", "bob", "cat")
		ann, bob, cat := w.users[0], w.users[1], w.users[2]
		room := w.room(t, "t1", 1, ann, bob, cat)
		m1 := w.send(t, store.Message{RoomID: room, SenderID: ann, Content: "1"})
		m2 := w.send(t, store.Message{RoomID: room, SenderID: ann, Content: "2"})
		n1, orphan := store.NewID(), store.NewID()
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{"INSERT INTO notifications (id, message_id, notification_type, created_at) VALUES ($1, $2, 'NEW_MESSAGE', 10)", []any{n1, m1}},
				{"INSERT INTO notification_recipients (notification_id, user_id) VALUES ($1, $2), ($1, $3)", []any{n1, bob, cat}},
				{"INSERT INTO notifications (id, message_id, notification_type, created_at) VALUES ($1, $2, 'NEW_MESSAGE', 11)", []any{orphan, m2}},
			} {
				if _, err := tx.Executor().Exec(ctx, q.sql, q.args...); err != nil {
					return err
				}
			}
			return nil
		})

		st := open()
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		r := roomNotices{&msgWorld{st: st, users: w.users}, room}
		all := w.users
		r.want(t, n1, all, bob, cat)
		r.ack(t, bob, m1)
		r.want(t, n1, all, cat)
		// The orphan goes when its message is acknowledged, as it did.
		r.ack(t, ann, m2)
		r.want(t, orphan, all)
		r.ack(t, cat, m1)
		r.want(t, n1, all)

		_, n3 := r.notify(t, ann)
		r.want(t, n3, all, bob, cat)
	})
}

// TestMigrateNotificationsRoomCovering: migration 4 leaves one index of
// notifications by (room_id, seq), holding every column a connect reads of
// an implicit notification, so that reading it needs no notifications row.
func TestMigrateNotificationsRoomCovering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		q := `SELECT name FROM pragma_index_info($1) ORDER BY seqno`
		if st.Driver().Dialect().Name == "postgres" {
			q = `SELECT a.attname FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
				WHERE i.indexrelid = to_regclass($1) ORDER BY k.n`
		}
		cols := func(index string) []string {
			var out []string
			err := st.Read(ctx, func(tx *store.Tx) error {
				rows, err := tx.Executor().Query(ctx, q, index)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var c string
					if err := rows.Scan(&c); err != nil {
						return err
					}
					out = append(out, c)
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		want := []string{"room_id", "seq", "actor_id", "created_at", "id", "notification_type", "message_id"}
		if got := cols("notifications_room_covering"); !slices.Equal(got, want) {
			t.Errorf("notifications_room_covering columns %v, want %v", got, want)
		}
		if got := cols("notifications_room_seq"); len(got) != 0 {
			t.Errorf("notifications_room_seq still there, on %v", got)
		}
	})
}
