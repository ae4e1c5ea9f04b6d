package store

import (
	"context"
	"fmt"
)

// PutReaction sets userID's reaction to messageID (one per user and message,
// docs/protocol.md §1.9): a different content replaces the previous reaction (new
// id and created_at, as the reference deletes then inserts), the same content
// again is ErrConflict. It is one upsert, so the rule holds under concurrency.
func (t *Tx) PutReaction(ctx context.Context, messageID string, userID int64, content string) (Reaction, error) {
	r := Reaction{ID: NewID(), MessageID: messageID, UserID: userID, Content: content, CreatedAt: t.Now()}
	var id string
	err := t.ex.QueryRow(ctx, `INSERT INTO reactions (id, message_id, user_id, reaction_content, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (message_id, user_id) DO UPDATE
			SET id = excluded.id, reaction_content = excluded.reaction_content, created_at = excluded.created_at
			WHERE reactions.reaction_content <> excluded.reaction_content
		RETURNING id`,
		r.ID, messageID, userID, content, Micros(r.CreatedAt)).Scan(&id)
	if isNotFound(err) {
		// The conflicting row had the same content, so the upsert's WHERE
		// kept it: the reference's insert would violate the unique key.
		err = fmt.Errorf("%w: duplicate reaction", ErrConflict)
	}
	if err != nil {
		return Reaction{}, wrap("put reaction", err)
	}
	return r, nil
}

// DeleteReaction removes userID's reaction to messageID and reports whether
// there was one.
func (t *Tx) DeleteReaction(ctx context.Context, messageID string, userID int64) (bool, error) {
	n, err := t.ex.Exec(ctx, "DELETE FROM reactions WHERE message_id = $1 AND user_id = $2", messageID, userID)
	return n > 0, wrap("delete reaction", err)
}

// ReactionsOf returns the reactions to the messages among ids, per message
// oldest first.
func (t *Tx) ReactionsOf(ctx context.Context, ids []string) (map[string][]Reaction, error) {
	return collectPerMessage(ctx, t, "reactions", ids, func(row scanner) (string, Reaction, error) {
		var (
			r  Reaction
			at int64
		)
		err := row.Scan(&r.ID, &r.MessageID, &r.UserID, &r.Content, &at)
		r.CreatedAt = FromMicros(at)
		return r.MessageID, r, err
	}, func(from, on string) string {
		return `SELECT r.id, r.message_id, r.user_id, r.reaction_content, r.created_at FROM ` + from + `reactions r
			WHERE ` + on + ` ORDER BY r.message_id, r.created_at, r.user_id`
	}, "r.message_id")
}
