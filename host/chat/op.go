package chat

import (
	"context"

	"github.com/chatwasm/chatwasm/host/store"
)

// run executes one EventHandler operation (PROTOCOL.md §5.1): name is the
// operation's name (e.g. "create_message"), core its default sync helper
// ("_create_message"), which runs inside one transaction.
//
// This is the single seam through which every operation passes, so that the
// module layers (the extend chain around the whole call, the replace chain
// inside the transaction) can be added in one place. In and Out must be
// JSON-encodable: they are the payloads modules will see.
func run[In, Out any](ctx context.Context, s *Service, name string, write bool, c Caller, in In,
	core func(ctx context.Context, tx *store.Tx, c Caller, in In) (Out, error)) (Out, error) {
	var out Out
	txfn := s.st.Read
	if write {
		txfn = s.st.Write
	}
	err := txfn(ctx, func(tx *store.Tx) error {
		var err error
		out, err = core(ctx, tx, c, in)
		return err
	})
	return out, err
}
