package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// batchedSends has members send one message each to room while the first
// send's transaction holds the writer: they all queue and share the next
// transaction (group commit). hook, armed only for these sends, sees each
// commit with the number of operations that succeeded in it and may fail
// it. It returns each send's effects and error (the first send's first).
type batchedSends struct {
	st    *store.Store
	armed atomic.Bool
	queue int // operations to wait for at the first commit
	hook  func(ops int) error

	mu      sync.Mutex
	commits []int
}

func (b *batchedSends) commitHook(_ context.Context, ops int) error {
	if !b.armed.Load() {
		return nil
	}
	b.mu.Lock()
	first := len(b.commits) == 0
	b.commits = append(b.commits, ops)
	b.mu.Unlock()
	if first {
		// The first send holds the writer until the others queued.
		deadline := time.Now().Add(time.Minute)
		for b.st.QueuedWrites() < b.queue {
			if time.Now().After(deadline) {
				return errors.New("the other sends did not queue in a minute")
			}
			time.Sleep(time.Millisecond)
		}
	}
	if b.hook != nil {
		return b.hook(ops)
	}
	return nil
}

func (b *batchedSends) commitList() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.commits)
}

// sendReq is one message.send of run.
type sendReq struct {
	c       chat.Caller
	room    string
	content string
}

// run sends sends[0] first, then the others while its transaction commits.
func (b *batchedSends) run(e *chatEnv, sends []sendReq) ([][]wire.Effect, []error) {
	b.queue = len(sends) - 1
	b.armed.Store(true)
	defer b.armed.Store(false)
	effs := make([][]wire.Effect, len(sends))
	errs := make([]error, len(sends))
	var wg sync.WaitGroup
	for i, r := range sends {
		if i == 1 {
			// The first send is in its transaction before the others start.
			for len(b.commitList()) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		wg.Go(func() {
			effs[i], errs[i] = e.handle(r.c, "message.send", map[string]any{"room_id": r.room, "content": r.content})
		})
	}
	wg.Wait()
	return effs, errs
}

// fromEach is a send of "from <username>" to room by each of members.
func fromEach(room string, members []chat.Caller) []sendReq {
	var out []sendReq
	for _, c := range members {
		out = append(out, sendReq{c, room, "from " + c.Username})
	}
	return out
}

// eachBatchedEnv runs test with a message environment whose store runs one
// write transaction at a time and whose commits go through b.
func eachBatchedEnv(t *testing.T, test func(t *testing.T, e *msgEnv, b *batchedSends)) {
	eachBatchedStore(t, func(t *testing.T, b *batchedSends) { test(t, newMsgEnv(t, b.st, chat.DefaultConfig()), b) })
}

// eachBatchedStore runs test with a batchedSends on each engine.
func eachBatchedStore(t *testing.T, test func(t *testing.T, b *batchedSends)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		b := &batchedSends{}
		b.st = store.New(st.Driver(), store.WithWriteBatch(0, 1), store.WithCommitHook(b.commitHook))
		test(t, b)
	})
}

// Concurrent sends share one commit; each is stored and dispatched once,
// and one that fails inside the shared transaction (a non-member's, denied
// by the check that runs in it) rolls back only itself.
func TestGroupCommitSends(t *testing.T) {
	eachBatchedEnv(t, func(t *testing.T, e *msgEnv, b *batchedSends) {
		var members []chat.Caller
		for i := range 6 {
			members = append(members, e.user(fmt.Sprint("u", i)))
		}
		room := e.group(members...)
		outsider := e.user("outsider")
		senders := slices.Insert(slices.Clone(members), 3, outsider)
		effs, errs := b.run(&e.chatEnv, fromEach(room, senders))
		for i, c := range senders {
			if c == outsider {
				var ce *wire.Error
				if !errors.As(errs[i], &ce) || ce.Code != wire.CodePermission || effs[i] != nil {
					t.Errorf("outsider's send: %v, %d effects; want a 4002 and none", errs[i], len(effs[i]))
				}
				continue
			}
			if errs[i] != nil {
				t.Fatalf("send of %s: %v", c.Username, errs[i])
			}
			f := msgOne(t, msgFrames(t, effs[i]), "group-"+room, "message.dispatch")
			var m struct{ Content string }
			if err := json.Unmarshal(f.Data, &m); err != nil || m.Content != "from "+c.Username || len(effs[i]) != 1 {
				t.Errorf("%s's send: %d effects, dispatch %s", c.Username, len(effs[i]), f.Data)
			}
		}
		if n := e.count("SELECT COUNT(*) FROM messages WHERE room_id = $1", room); n != len(members) {
			t.Errorf("%d messages stored, want %d", n, len(members))
		}
		for _, c := range members {
			if n := e.count("SELECT COUNT(*) FROM messages WHERE room_id = $1 AND content = $2", room, "from "+c.Username); n != 1 {
				t.Errorf("%s's message stored %d times", c.Username, n)
			}
		}
		if got, want := b.commitList(), []int{1, len(members) - 1}; !slices.Equal(got, want) {
			t.Errorf("commits of %v operations, want %v: the first send alone, then the others' together", got, want)
		}
	})
}

// A send whose shared commit fails gets the commit's error and no effect:
// nothing is dispatched before the commit, and nothing is stored.
func TestGroupCommitFailedCommitDispatchesNothing(t *testing.T) {
	eachBatchedEnv(t, func(t *testing.T, e *msgEnv, b *batchedSends) {
		var members []chat.Caller
		for i := range 5 {
			members = append(members, e.user(fmt.Sprint("u", i)))
		}
		room := e.group(members...)
		boom := errors.New("injected commit failure")
		b.hook = func(ops int) error {
			if ops > 1 {
				return boom
			}
			return nil
		}
		effs, errs := b.run(&e.chatEnv, fromEach(room, members))
		if errs[0] != nil || len(effs[0]) != 1 {
			t.Fatalf("first send: %v, %d effects; want it dispatched", errs[0], len(effs[0]))
		}
		for i := 1; i < len(members); i++ {
			if !errors.Is(errs[i], boom) || effs[i] != nil {
				t.Errorf("send %d: %v, %d effects; want the commit's error and none", i, errs[i], len(effs[i]))
			}
		}
		if n := e.count("SELECT COUNT(*) FROM messages WHERE room_id = $1", room); n != 1 {
			t.Errorf("%d messages stored, want the first only", n)
		}
	})
}

// A module's replace hook (_create_message) in a shared transaction writes
// through its imports within its operation's savepoint: the operation
// whose hook fails after writing rolls back alone, its import's message
// with it, while the others' hooks' writes commit with theirs.
func TestGroupCommitReplaceHookFailure(t *testing.T) {
	eachBatchedStore(t, func(t *testing.T, b *batchedSends) {
		w := newWriterEnv(t, b.st, "*")
		script := func(content, then string) string {
			s, err := json.Marshal(map[string]any{"then": then, "calls": []importCall{
				{"message_create", core(0, map[string]any{"room_id": w.mine, "content": content})}}})
			if err != nil {
				t.Fatal(err)
			}
			return string(s)
		}
		before := w.count("SELECT COUNT(*) FROM messages WHERE room_id = $1", w.mine)
		effs, errs := b.run(&w.e.chatEnv, []sendReq{
			{w.mallory, w.mine, "not a script"},
			{w.mallory, w.mine, script("import of A", "next")},
			{w.mallory, w.mine, script("import of B", "fail")},
			{w.mallory, w.mine, script("import of C", "next")},
		})
		for _, i := range []int{0, 1, 3} {
			if errs[i] != nil || len(effs[i]) != 1 {
				t.Fatalf("send %d: %v, %d effects", i, errs[i], len(effs[i]))
			}
		}
		wantRefused(t, "the send whose hook fails", effs[2], errs[2], wire.CodeValidation)
		for content, want := range map[string]int{"not a script": 1, "import of A": 1, "import of B": 0, "import of C": 1, "scripted": 2} {
			if n := w.count("SELECT COUNT(*) FROM messages WHERE room_id = $1 AND content = $2", w.mine, content); n != want {
				t.Errorf("%d messages %q, want %d", n, content, want)
			}
		}
		if n := w.count("SELECT COUNT(*) FROM messages WHERE room_id = $1", w.mine); n != before+5 {
			t.Errorf("%d messages in the room, want %d", n, before+5)
		}
		if got := b.commitList(); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("commits of %v operations, want [1 2]", got)
		}
	})
}
