package store

import "context"

// MessagesInTenant loads the messages among ids whose room belongs to
// tenant, soft-deleted or not, keyed by id; ids that name no message of the
// tenant are absent from the map. It is MessagesByID for ids that come
// from outside the host (a module's input to an operation), which must
// never reach another tenant's messages.
func (t *Tx) MessagesInTenant(ctx context.Context, tenant string, ids []string) (map[string]Message, error) {
	if len(ids) == 0 {
		return map[string]Message{}, nil
	}
	args, in := anyOf(t.d, []any{tenant}, "m.id", ids)
	return collectMap(ctx, t.ex, "messages in tenant", messageByID, "SELECT "+messageCols+
		" FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.tenant = $1 AND "+in, args...)
}
