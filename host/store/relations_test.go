package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestRelationsOfRepeatedIDs: the relation reads (attachments, reactions,
// read receipts, deliveries) return each message's rows once, in their
// order, whatever the order of the ids asked for and however often one is
// repeated: the ids drive the read as a join on SQLite, where a repeated id
// would otherwise repeat its rows. Ids already ascending and unique are bound
// as given there; the caller's ids are never reordered.
func TestRelationsOfRepeatedIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann", "bob", "cat")
		a := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "a"})
		b := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "b"})
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			for _, m := range []string{a, b} {
				if _, err := tx.InsertAttachments(ctx, m, []store.Attachment{
					{MediaURL: "https://x/1.png", MediaType: "image"}, {MediaURL: "https://x/2.png", MediaType: "image"}}); err != nil {
					return err
				}
				for _, u := range []int64{w.users[1], w.users[2]} {
					if _, err := tx.PutReaction(ctx, m, u, "👍"); err != nil {
						return err
					}
					if err := tx.InsertReadReceipts(ctx, []string{m}, u); err != nil {
						return err
					}
					if err := tx.AddDeliveries(ctx, []string{m}, u); err != nil {
						return err
					}
				}
			}
			// Unsorted with repeats; ascending with a repeat; ascending, each
			// once (bound as given on SQLite, perMessage).
			sorted := []string{a, b, store.NewID()}
			slices.Sort(sorted)
			withRepeat := slices.Insert(slices.Clone(sorted), 1, sorted[1])
			for _, ids := range [][]string{{b, store.NewID(), a, b, a}, withRepeat, sorted} {
				given := slices.Clone(ids)
				if err := checkRelationsOf(ctx, t, tx, w, ids, a, b); err != nil {
					return err
				}
				if !slices.Equal(ids, given) {
					t.Errorf("the ids asked for were changed: %q, were %q", ids, given)
				}
			}
			return nil
		})
	})
}

// checkRelationsOf checks the relation reads of ids, among which a and b
// are the messages with relations (TestRelationsOfRepeatedIDs).
func checkRelationsOf(ctx context.Context, t *testing.T, tx *store.Tx, w *msgWorld, ids []string, a, b string) error {
	t.Helper()
	atts, err := tx.AttachmentsOf(ctx, ids)
	if err != nil {
		return err
	}
	reacts, err := tx.ReactionsOf(ctx, ids)
	if err != nil {
		return err
	}
	receipts, err := tx.ReceiptsOf(ctx, ids)
	if err != nil {
		return err
	}
	delivered, err := tx.DeliveredUsernames(ctx, ids)
	if err != nil {
		return err
	}
	if len(atts) != 2 || len(reacts) != 2 || len(receipts) != 2 || len(delivered) != 2 {
		return fmt.Errorf("messages with attachments, reactions, receipts, deliveries: %d, %d, %d, %d; want 2 each",
			len(atts), len(reacts), len(receipts), len(delivered))
	}
	for _, m := range []string{a, b} {
		var got []string
		for _, x := range atts[m] {
			got = append(got, x.MediaURL)
		}
		for _, r := range reacts[m] {
			got = append(got, fmt.Sprint("reaction ", r.UserID))
		}
		for _, r := range receipts[m] {
			got = append(got, fmt.Sprint("receipt ", r.ReaderID))
		}
		got = append(got, delivered[m]...)
		want := []string{"https://x/1.png", "https://x/2.png",
			fmt.Sprint("reaction ", w.users[1]), fmt.Sprint("reaction ", w.users[2]),
			fmt.Sprint("receipt ", w.users[1]), fmt.Sprint("receipt ", w.users[2]),
			"bob", "cat"}
		if !slices.Equal(got, want) {
			t.Errorf("message %s: %q, want %q", m, got, want)
		}
	}
	return nil
}
