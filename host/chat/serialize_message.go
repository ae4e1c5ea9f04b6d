package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/host/store"
)

// messageView is a serialized Message (PROTOCOL.md §2.6). Field order is the
// reference's key order.
type messageView struct {
	ID            string           `json:"id"`
	Room          roomRef          `json:"room"`
	Sender        store.User       `json:"sender"`
	Content       string           `json:"content"`
	IsDeleted     bool             `json:"is_deleted"`
	IsEdited      bool             `json:"is_edited"`
	IsForwarded   bool             `json:"is_forwarded"`
	CreatedAt     string           `json:"created_at"`
	UpdatedAt     string           `json:"updated_at"`
	ParentMessage *messageView     `json:"parent_message"`
	ForwardedFrom *messageView     `json:"forwarded_from"`
	DeliveredTo   []string         `json:"delivered_to"`
	ReadReceipts  []receiptView    `json:"read_receipts"`
	Reactions     []reactionView   `json:"reactions"`
	Attachments   []attachmentView `json:"attachments"`
}

// roomRef is the minimal room of a serialized message.
type roomRef struct {
	ID string `json:"id"`
}

// receiptView is a serialized ReadReceipt: no id, no message.
type receiptView struct {
	Reader store.User `json:"reader"`
	ReadAt string     `json:"read_at"`
}

// reactionView is a serialized Reaction.
type reactionView struct {
	ID              string     `json:"id"`
	User            store.User `json:"user"`
	ReactionContent string     `json:"reaction_content"`
	CreatedAt       string     `json:"created_at"`
}

// attachmentView is a serialized MessageMediaAsset (no message key).
type attachmentView struct {
	ID        string          `json:"id"`
	MediaURL  string          `json:"media_url"`
	MediaType string          `json:"media_type"`
	FileSize  int64           `json:"file_size"`
	MimeType  string          `json:"mime_type"`
	Caption   *string         `json:"caption"`
	Metadata  json.RawMessage `json:"metadata"`
}

// messageJSON serializes one message by id in the Message shape of
// PROTOCOL.md §2.6 (recursive parent_message/forwarded_from), ready for
// json.Marshal. A missing message is store.ErrNotFound.
func (s *Service) messageJSON(ctx context.Context, tx *store.Tx, id string) (any, error) {
	vs, err := serializeMessages(ctx, tx, []string{id})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// serializeMessages serializes the messages ids, in that order, with every
// relation loaded in a fixed number of queries, however many messages and
// however long their reply and forward chains. A missing id is
// store.ErrNotFound.
func serializeMessages(ctx context.Context, tx *store.Tx, ids []string) ([]*messageView, error) {
	msgs, err := tx.MessagesWithReferences(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := msgs[id]; !ok {
			return nil, fmt.Errorf("chat: serialize message %s: %w", id, store.ErrNotFound)
		}
	}

	all := make([]string, 0, len(msgs))
	userSet := map[int64]bool{}
	for id, m := range msgs {
		all = append(all, id)
		userSet[m.SenderID] = true
	}
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
	for _, rs := range reacts {
		for _, r := range rs {
			userSet[r.UserID] = true
		}
	}
	for _, rs := range receipts {
		for _, r := range rs {
			userSet[r.ReaderID] = true
		}
	}
	uids := make([]int64, 0, len(userSet))
	for u := range userSet {
		uids = append(uids, u)
	}
	users, err := tx.UsersIn(ctx, uids)
	if err != nil {
		return nil, err
	}

	b := viewBuilder{msgs: msgs, atts: atts, reacts: reacts, receipts: receipts, delivered: delivered, users: users,
		done: map[string]*messageView{}, busy: map[string]bool{}}
	out := make([]*messageView, len(ids))
	for i, id := range ids {
		out[i] = b.build(id)
	}
	return out, nil
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
	done      map[string]*messageView
	busy      map[string]bool
}

func (b *viewBuilder) ref(id *string) *messageView {
	if id == nil {
		return nil
	}
	return b.build(*id)
}

func (b *viewBuilder) build(id string) *messageView {
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
	v := &messageView{
		ID:            m.ID,
		Room:          roomRef{ID: m.RoomID},
		Sender:        b.users[m.SenderID],
		Content:       m.Content,
		IsDeleted:     m.IsDeleted,
		IsEdited:      m.IsEdited,
		IsForwarded:   m.IsForwarded,
		CreatedAt:     FormatTime(m.CreatedAt),
		UpdatedAt:     FormatTime(m.UpdatedAt),
		ParentMessage: b.ref(m.ParentMessageID),
		ForwardedFrom: b.ref(m.ForwardedFromID),
		DeliveredTo:   append([]string{}, b.delivered[id]...),
		ReadReceipts:  []receiptView{},
		Reactions:     []reactionView{},
		Attachments:   []attachmentView{},
	}
	for _, r := range b.receipts[id] {
		v.ReadReceipts = append(v.ReadReceipts, receiptView{Reader: b.users[r.ReaderID], ReadAt: FormatTime(r.ReadAt)})
	}
	for _, r := range b.reacts[id] {
		v.Reactions = append(v.Reactions, reactionView{ID: r.ID, User: b.users[r.UserID],
			ReactionContent: r.Content, CreatedAt: FormatTime(r.CreatedAt)})
	}
	for _, a := range b.atts[id] {
		v.Attachments = append(v.Attachments, attachmentView{ID: a.ID, MediaURL: a.MediaURL, MediaType: a.MediaType,
			FileSize: a.FileSize, MimeType: a.MimeType, Caption: a.Caption, Metadata: a.Metadata})
	}
	b.done[id] = v
	return v
}
