package store

import (
	"context"
	"database/sql"
	"encoding/json"
)

// InsertAttachments stores a message's attachments in the order given and
// returns them with their ids. An empty MimeType becomes "image/jpeg" and
// empty Metadata {}; a MIME type or media type outside the allowed lists
// violates the schema's CHECK and is ErrConflict.
func (t *Tx) InsertAttachments(ctx context.Context, messageID string, as []Attachment) ([]Attachment, error) {
	out := make([]Attachment, len(as))
	for i, a := range as {
		if a.ID == "" {
			a.ID = NewID()
		}
		a.MessageID = messageID
		if a.MimeType == "" {
			a.MimeType = "image/jpeg"
		}
		if len(a.Metadata) == 0 {
			a.Metadata = json.RawMessage("{}")
		}
		if _, err := t.ex.Exec(ctx, `INSERT INTO attachments (id, message_id, position, media_url, media_type, file_size,
			mime_type, caption, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			a.ID, messageID, i, a.MediaURL, a.MediaType, a.FileSize, a.MimeType, a.Caption, string(a.Metadata)); err != nil {
			return nil, wrap("insert attachment", err)
		}
		out[i] = a
	}
	return out, nil
}

// AttachmentsOf returns the attachments of the messages among ids, per
// message in the order they were attached.
func (t *Tx) AttachmentsOf(ctx context.Context, ids []string) (map[string][]Attachment, error) {
	return collectPerMessage(ctx, t, "attachments", ids, func(row scanner) (string, Attachment, error) {
		var (
			a       Attachment
			caption sql.NullString
			meta    string
		)
		if err := row.Scan(&a.ID, &a.MessageID, &a.MediaURL, &a.MediaType, &a.FileSize, &a.MimeType, &caption, &meta); err != nil {
			return "", a, err
		}
		a.Caption = stringOrNil(caption)
		a.Metadata = json.RawMessage(meta)
		return a.MessageID, a, nil
	}, func(from, on string) string {
		return `SELECT a.id, a.message_id, a.media_url, a.media_type, a.file_size, a.mime_type, a.caption, a.metadata
			FROM ` + from + `attachments a WHERE ` + on + ` ORDER BY a.message_id, a.position`
	}, "a.message_id")
}
