package wire

import (
	"context"
	"fmt"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/store"
)

// MessageView is a serialized message (docs/protocol.md §2.6): abi/payload's
// Message. Its Extra holds the fields modules added.
type MessageView = payload.Message

// wireUser is u as the wire shows it: without its tenant.
func wireUser(u store.User) abi.User {
	return abi.User{ID: u.ID, Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}
}

// SerializeMessages serializes the messages ids, in that order, with every
// relation loaded in a fixed number of queries, however many messages and
// however long their reply and forward chains. A missing id is
// store.ErrNotFound.
func SerializeMessages(ctx context.Context, tx *store.Tx, ids []string) ([]*MessageView, error) {
	views, err := serializeFound(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*MessageView, len(ids))
	for i, id := range ids {
		v, ok := views[id]
		if !ok {
			return nil, fmt.Errorf("chat: serialize message %s: %w", id, store.ErrNotFound)
		}
		out[i] = v
	}
	return out, nil
}

// serializeFound is serializeMessages for the messages among ids that exist,
// keyed by id; missing ones are absent from the map rather than an error.
func serializeFound(ctx context.Context, tx *store.Tx, ids []string) (map[string]*MessageView, error) {
	msgs, err := tx.MessagesWithReferences(ctx, ids)
	if err != nil {
		return nil, err
	}
	return serializeLoaded(ctx, tx, ids, msgs)
}

// SerializeRows serializes rows, messages already read (with their
// notifications, say), keyed by id: only the messages they reply to or
// forward that are not among them are read, then every relation, in a fixed
// number of queries however many rows.
func SerializeRows(ctx context.Context, tx *store.Tx, rows []store.Message) (map[string]*MessageView, error) {
	msgs := make(map[string]store.Message, len(rows))
	ids := make([]string, len(rows))
	for i, m := range rows {
		msgs[m.ID], ids[i] = m, m.ID
	}
	var refs []string
	for _, m := range rows {
		for _, ref := range []*string{m.ParentMessageID, m.ForwardedFromID} {
			if _, ok := msgs[deref(ref)]; ref != nil && !ok {
				refs = append(refs, *ref)
			}
		}
	}
	if len(refs) > 0 {
		more, err := tx.MessagesWithReferences(ctx, refs)
		if err != nil {
			return nil, err
		}
		for id, m := range more {
			msgs[id] = m
		}
	}
	return serializeLoaded(ctx, tx, ids, msgs)
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// serializeLoaded serializes the messages among ids found in msgs, which
// also holds every message they reference, loading their relations.
func serializeLoaded(ctx context.Context, tx *store.Tx, ids []string, msgs map[string]store.Message) (map[string]*MessageView, error) {
	if len(msgs) == 0 {
		return map[string]*MessageView{}, nil
	}
	all := make([]string, 0, len(msgs))
	userSet := map[int64]bool{}
	for id, m := range msgs {
		all = append(all, id)
		userSet[m.SenderID] = true
	}
	// Ascending, so that the four relation reads below need not each sort
	// them (store.perMessage).
	slices.Sort(all)
	atts, err := tx.AttachmentsOf(ctx, all)
	if err != nil {
		return nil, err
	}
	reacts, err := tx.ReactionsOf(ctx, all)
	if err != nil {
		return nil, err
	}
	receipts, err := tx.ReceiptsOf(ctx, all)
	if err != nil {
		return nil, err
	}
	delivered, err := tx.DeliveredUsernames(ctx, all)
	if err != nil {
		return nil, err
	}
	addUsers(userSet, reacts, func(r store.Reaction) int64 { return r.UserID })
	addUsers(userSet, receipts, func(r store.ReadReceipt) int64 { return r.ReaderID })
	uids := make([]int64, 0, len(userSet))
	for u := range userSet {
		uids = append(uids, u)
	}
	users, err := tx.UsersIn(ctx, uids)
	if err != nil {
		return nil, err
	}

	b := viewBuilder{msgs: msgs, atts: atts, reacts: reacts, receipts: receipts, delivered: delivered, users: users,
		done: map[string]*MessageView{}, busy: map[string]bool{}}
	out := make(map[string]*MessageView, len(ids))
	for _, id := range ids {
		if _, ok := msgs[id]; ok {
			out[id] = b.build(id)
		}
	}
	return out, nil
}

// addUsers adds to set the user that user names in each of rows, the rows
// of each message.
func addUsers[T any](set map[int64]bool, rows map[string][]T, user func(T) int64) {
	for _, rs := range rows {
		for _, r := range rs {
			set[user(r)] = true
		}
	}
}

// viewBuilder assembles messageViews from preloaded rows, sharing the view of
// a message referenced several times.
type viewBuilder struct {
	msgs      map[string]store.Message
	atts      map[string][]store.Attachment
	reacts    map[string][]store.Reaction
	receipts  map[string][]store.ReadReceipt
	delivered map[string][]string
	users     map[int64]store.User
	done      map[string]*MessageView
	busy      map[string]bool
}

func (b *viewBuilder) ref(id *string) *MessageView {
	if id == nil {
		return nil
	}
	return b.build(*id)
}

func (b *viewBuilder) build(id string) *MessageView {
	if v, ok := b.done[id]; ok {
		return v
	}
	m, ok := b.msgs[id]
	// busy guards against a reference cycle, which the schema cannot rule
	// out by itself: the chain is cut there rather than recursing forever.
	if !ok || b.busy[id] {
		return nil
	}
	b.busy[id] = true
	defer delete(b.busy, id)
	v := &MessageView{
		ID:            m.ID,
		Room:          payload.MessageRoom{ID: m.RoomID},
		Sender:        wireUser(b.users[m.SenderID]),
		Content:       m.Content,
		IsDeleted:     m.IsDeleted,
		IsEdited:      m.IsEdited,
		IsForwarded:   m.IsForwarded,
		CreatedAt:     FormatTime(m.CreatedAt),
		UpdatedAt:     FormatTime(m.UpdatedAt),
		ParentMessage: b.ref(m.ParentMessageID),
		ForwardedFrom: b.ref(m.ForwardedFromID),
		DeliveredTo:   append([]string{}, b.delivered[id]...),
		ReadReceipts:  []payload.ReadReceipt{},
		Reactions:     []payload.Reaction{},
		Attachments:   []payload.Attachment{},
	}
	for _, r := range b.receipts[id] {
		v.ReadReceipts = append(v.ReadReceipts, payload.ReadReceipt{Reader: wireUser(b.users[r.ReaderID]), ReadAt: FormatTime(r.ReadAt)})
	}
	for _, r := range b.reacts[id] {
		v.Reactions = append(v.Reactions, payload.Reaction{ID: r.ID, User: wireUser(b.users[r.UserID]),
			ReactionContent: r.Content, CreatedAt: FormatTime(r.CreatedAt)})
	}
	for _, a := range b.atts[id] {
		v.Attachments = append(v.Attachments, attachmentView(a))
	}
	b.done[id] = v
	return v
}

// attachmentView serializes one attachment.
func attachmentView(a store.Attachment) payload.Attachment {
	return payload.Attachment{ID: a.ID, MediaArgs: payload.MediaArgs{MediaURL: a.MediaURL, MediaType: a.MediaType,
		FileSize: a.FileSize, MimeType: a.MimeType, Caption: a.Caption, Metadata: a.Metadata}}
}

// NewMessageView serializes m, a message the transaction has just stored
// with attachments atts, as serializeMessages would, from what the caller
// already holds: nobody can have reacted to it, read it or received it yet,
// so only the messages it replies to or forwards are read, and only when
// there are some. sender is m's sender's row.
func NewMessageView(ctx context.Context, tx *store.Tx, m store.Message, sender store.User, atts []store.Attachment) (*MessageView, error) {
	v := &MessageView{
		ID:           m.ID,
		Room:         payload.MessageRoom{ID: m.RoomID},
		Sender:       wireUser(sender),
		Content:      m.Content,
		IsDeleted:    m.IsDeleted,
		IsEdited:     m.IsEdited,
		IsForwarded:  m.IsForwarded,
		CreatedAt:    FormatTime(m.CreatedAt),
		UpdatedAt:    FormatTime(m.UpdatedAt),
		DeliveredTo:  []string{},
		ReadReceipts: []payload.ReadReceipt{},
		Reactions:    []payload.Reaction{},
		Attachments:  make([]payload.Attachment, len(atts)),
	}
	for i, a := range atts {
		v.Attachments[i] = attachmentView(a)
	}
	var refs []string
	for _, id := range []*string{m.ParentMessageID, m.ForwardedFromID} {
		if id != nil {
			refs = append(refs, *id)
		}
	}
	if len(refs) == 0 {
		return v, nil
	}
	views, err := serializeFound(ctx, tx, refs)
	if err != nil {
		return nil, err
	}
	if m.ParentMessageID != nil {
		v.ParentMessage = views[*m.ParentMessageID]
	}
	if m.ForwardedFromID != nil {
		v.ForwardedFrom = views[*m.ForwardedFromID]
	}
	return v, nil
}
