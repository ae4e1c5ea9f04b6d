package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann")
		m := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "Media Files"})
		caption := "cap"
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.InsertAttachments(ctx, m, []store.Attachment{
				{MediaURL: "https://x/2.png", MediaType: "image"},
				{MediaURL: "https://x/1.pdf", MediaType: "file", MimeType: "application/pdf", FileSize: 42,
					Caption: &caption, Metadata: json.RawMessage(`{"pages":3}`)},
			})
			if err != nil {
				return err
			}
			got, err := tx.AttachmentsOf(ctx, []string{m, store.NewID()})
			if err != nil {
				return err
			}
			as := got[m]
			if len(got) != 1 || len(as) != 2 {
				return fmt.Errorf("attachments = %+v", got)
			}
			if a := as[0]; a.MediaURL != "https://x/2.png" || a.MimeType != "image/jpeg" || string(a.Metadata) != "{}" ||
				a.Caption != nil || a.FileSize != 0 || a.ID == "" {
				return fmt.Errorf("defaults = %+v", a)
			}
			if a := as[1]; a.MimeType != "application/pdf" || a.FileSize != 42 || *a.Caption != "cap" || string(a.Metadata) != `{"pages":3}` {
				return fmt.Errorf("second = %+v", a)
			}
			return nil
		})
		ctx := context.Background()
		for _, bad := range []store.Attachment{
			{MediaURL: "u", MediaType: "image", MimeType: "image/tiff"},
			{MediaURL: "u", MediaType: "hologram"},
			{MediaURL: "u", MediaType: "image", FileSize: -1},
		} {
			err := st.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.InsertAttachments(ctx, m, []store.Attachment{bad})
				return err
			})
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("%+v: %v, want ErrConflict", bad, err)
			}
		}
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.DeleteMessages(ctx, []string{m}, false); err != nil {
				return err
			}
			got, err := tx.AttachmentsOf(ctx, []string{m})
			if err != nil || len(got) != 0 {
				return fmt.Errorf("after message delete: %v %v", got, err)
			}
			return nil
		})
	})
}
