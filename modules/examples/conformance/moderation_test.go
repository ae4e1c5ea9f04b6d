// Package conformance proves that the moderation example behaves the same
// in every language chatwasm has an SDK for: it builds each language's
// module from source and runs one table of scenarios against all of them
// through the same harness and the same Go default.
package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// language is one implementation of the moderation example.
type language struct {
	name  string
	build func(t testing.TB, root string) string
}

// wasm builds l's module and returns its path and its bytes.
func (l language) wasm(t testing.TB, root string) (string, []byte) {
	t.Helper()
	path := l.build(t, root)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

var languages = []language{
	{"go", func(t testing.TB, root string) string {
		return modkit.GoBuild(t, filepath.Join(root, "modules", "examples", "moderation"))
	}},
	{"c", func(t testing.TB, root string) string {
		return modkit.Make(t, filepath.Join(root, "modules", "examples", "moderation-c"), "c")
	}},
	{"as", func(t testing.TB, root string) string {
		return modkit.Make(t, filepath.Join(root, "modules", "examples", "moderation-as"), "as")
	}},
	{"rust", func(t testing.TB, root string) string {
		return modkit.Make(t, filepath.Join(root, "modules", "examples", "moderation-rust"), "rust")
	}},
}

// configs are the module configs the scenarios use, by name; nil is a
// module without config.
var configs = map[string]map[string]string{
	"none":     nil,
	"empty":    {"banned_words": ""},
	"blank":    {"banned_words": " , ,"},
	"spam":     {"banned_words": "spam"},
	"several":  {"banned_words": "spam, Buy Now ,scam,,FILES"},
	"unicode":  {"banned_words": "köln,ПРИВЕТ,ΚΑΛΗΜΈΡΑ,🎉,ｗａｒｅｚ"},
	"other":    {"banned_words": "other"},
	"escapes":  {"banned_words": `"quoted",<b>,back\slash`},
	"tabbed":   {"banned_words": "\tspam\n"},
	"oneclean": {"banned_words": "spam", "unrelated": "x"},
}

// scenario is one message sent under one config.
type scenario struct {
	name, config, content string
	media                 bool
	reject                bool
}

var scenarios = []scenario{
	{"banned word alone", "spam", "spam", false, true},
	{"banned word upper case", "spam", "SPAM", false, true},
	{"banned word mixed case", "spam", "SpAm", false, true},
	{"banned word first", "spam", "Spam is here", false, true},
	{"banned word in the middle", "spam", "this is sPaM, really", false, true},
	{"banned word last", "spam", "no more SPAM", false, true},
	{"banned word inside a word", "spam", "antispammer", false, true},
	{"banned word split", "spam", "sp am", false, false},
	{"clean message", "spam", "hello world", false, false},
	{"clean message, extra config", "oneclean", "hello world", false, false},
	{"several words, first", "several", "spam", false, true},
	{"several words, trimmed phrase", "several", "please BUY NOW!", false, true},
	{"several words, phrase broken", "several", "buy, now", false, false},
	{"several words, last", "several", "a Scam", false, true},
	{"several words, clean", "several", "hello", false, false},
	{"several words, upper case config", "several", "my files", false, true},
	{"white space in config", "tabbed", "SPAM", false, true},
	{"no config", "none", "spam scam", false, false},
	{"empty config", "empty", "spam", false, false},
	{"blank words only", "blank", "spam , ,", false, false},
	{"other config", "other", "spam", false, false},
	{"unicode content, clean", "spam", "Grüße aus Köln 🎉 — 日本語", false, false},
	{"unicode banned, Latin", "unicode", "GRÜSSE AUS KÖLN", false, true},
	{"unicode banned, Cyrillic", "unicode", "привет, мир", false, true},
	{"unicode banned, Greek", "unicode", "Καλημέρα!", false, true},
	{"unicode banned, emoji", "unicode", "party 🎉", false, true},
	{"unicode banned, fullwidth", "unicode", "ＷＡＲＥＺ here", false, true},
	{"unicode clean", "unicode", "Koln, privet, kalimera", false, false},
	{"escaped characters", "escapes", `say "QUOTED"`, false, true},
	{"html", "escapes", "<B>bold</B>", false, true},
	{"backslash", "escapes", `a BACK\SLASH`, false, true},
	{"control characters", "spam", "line\nbreak\ttab\u0001", false, false},
	{"attachment only", "spam", "", true, false},
	{"attachment only, banned placeholder", "several", "", true, true},
	{"attachment with text", "spam", "look at this", true, false},
	{"attachment with banned text", "spam", "spam picture", true, true},
}

// mediaFilesContent is what the chat package puts in the content of a
// message sent with attachments only: the modules see that.
const mediaFilesContent = "Media Files"

func (s scenario) args(roomID string) []byte {
	content := s.content
	media := []any{}
	if s.media {
		if content == "" {
			content = mediaFilesContent
		}
		media = append(media, map[string]any{"media_url": "https://files.example/a.png", "media_type": "image",
			"file_size": 1024, "mime_type": "image/png", "caption": nil, "metadata": map[string]any{"w": 1}})
	}
	b, _ := json.Marshal(map[string]any{"room_id": roomID, "content": content, "parent_message_id": nil,
		"forwarded_from_id": nil, "media": media})
	return b
}

// volatile are the members that differ between two runs of one operation.
var volatile = []string{"id", "created_at", "updated_at", "timestamp"}

// createMessage is the Go default at the end of the chain: it stores the
// message and its attachments in the operation's transaction, as the chat
// package's _create_message does, and returns them.
func createMessage(tx *store.Tx, sender int64) hooks.Next {
	return func(ctx context.Context, in []byte) ([]byte, error) {
		var a payload.CreateMessageArgs
		if err := json.Unmarshal(in, &a); err != nil {
			return nil, err
		}
		m, err := tx.InsertMessage(ctx, store.Message{RoomID: a.RoomID, SenderID: sender, Content: a.Content})
		if err != nil {
			return nil, err
		}
		atts := make([]store.Attachment, len(a.Media))
		for i, md := range a.Media {
			atts[i] = store.Attachment{MediaURL: md.MediaURL, MediaType: md.MediaType, FileSize: md.FileSize,
				MimeType: md.MimeType, Caption: md.Caption, Metadata: md.Metadata}
		}
		if len(atts) > 0 {
			if atts, err = tx.InsertAttachments(ctx, m.ID, atts); err != nil {
				return nil, err
			}
		}
		media := make([]map[string]any, len(atts))
		for i, at := range atts {
			media[i] = map[string]any{"id": at.ID, "media_url": at.MediaURL, "media_type": at.MediaType,
				"file_size": at.FileSize, "mime_type": at.MimeType, "caption": at.Caption, "metadata": at.Metadata}
		}
		return json.Marshal(map[string]any{"id": m.ID, "room": m.RoomID, "sender": map[string]any{"id": m.SenderID},
			"content": m.Content, "media": media, "is_forwarded": m.IsForwarded,
			"created_at": m.CreatedAt.Format(time.RFC3339Nano), "updated_at": m.UpdatedAt.Format(time.RFC3339Nano)})
	}
}

// deployment is one module entry per config, each for a tenant named
// after its config, all loading wasm.
func deployment(wasm string) string {
	var b strings.Builder
	b.WriteString("modules:\n")
	for _, name := range slices.Sorted(maps.Keys(configs)) {
		fmt.Fprintf(&b, "  - name: moderation-%s\n    path: %q\n    tenants: [%q]\n    hooks: [_create_message]\n",
			name, wasm, name)
		if cfg := configs[name]; cfg != nil {
			c, _ := json.Marshal(cfg)
			fmt.Fprintf(&b, "    config: %s\n", c)
		}
	}
	return b.String()
}

const prohibited = `["Message contains prohibited content"]`

func TestModerationConformance(t *testing.T) {
	root := modkit.Root(t)
	modules := map[string]string{}
	dir := t.TempDir()
	for _, l := range languages {
		t.Run("build/"+l.name, func(t *testing.T) {
			// The build's temporary directory goes with the subtest.
			_, wasm := l.wasm(t, root)
			path := filepath.Join(dir, "moderation-"+l.name+".wasm")
			if err := os.WriteFile(path, wasm, 0o644); err != nil {
				t.Fatal(err)
			}
			modules[l.name] = path
		})
	}
	if len(modules) == 0 {
		t.Skip("no language's moderation module could be built")
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		t.Run("hooks", func(t *testing.T) { throughHooks(t, st, modules) })
		t.Run("chat", func(t *testing.T) { throughChat(t, st, modules) })
	})
}

// compare checks every language's result of every scenario against want
// (the default's for the scenarios that pass) and reports the differences
// side by side.
func compare(t *testing.T, results map[string][]modkit.Result, want func(i int, sc scenario) modkit.Result) {
	t.Helper()
	for i, sc := range scenarios {
		w := want(i, sc)
		if sc.reject {
			w = modkit.Result{Code: abi.CodeValidation, Detail: prohibited}
		}
		var diff []string
		for _, l := range languages {
			if got, ok := results[l.name]; ok && got[i] != w {
				diff = append(diff, fmt.Sprintf("  %-4s %+v", l.name, got[i]))
			}
		}
		if len(diff) > 0 {
			t.Errorf("%s (config %s, content %q, media %v): want %+v\n%s", sc.name, sc.config, sc.content, sc.media,
				w, strings.Join(diff, "\n"))
		}
	}
	t.Logf("%d scenarios agree across %s", len(scenarios), strings.Join(slices.Sorted(maps.Keys(results)), ", "))
}

// userRoom creates the user username of tenant and her group "team", of
// which she is the admin member: the sender of a scenario and its room.
func userRoom(t *testing.T, st *store.Store, tenant, username string) (store.User, store.Room) {
	t.Helper()
	ctx := context.Background()
	var u store.User
	var r store.Room
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.CreateUser(ctx, store.User{Tenant: tenant, Username: username}); err != nil {
			return err
		}
		if r, err = tx.CreateRoom(ctx, store.Room{Tenant: tenant, Kind: store.KindGroup, Name: "team",
			CreatorID: &u.ID, MaxMembers: 10}, ""); err != nil {
			return err
		}
		return tx.AddMembers(ctx, r.ID, []int64{u.ID}, true)
	})
	if err != nil {
		t.Fatal(err)
	}
	return u, r
}

// throughHooks runs the scenarios through the replace chain of host/hooks
// directly, with a Go default that stores the message: it compares the
// modules' errors, the args they pass on and the default's output.
func throughHooks(t *testing.T, st *store.Store, modules map[string]string) {
	ctx := context.Background()
	user, room := userRoom(t, st, "default", "alice")
	// run sends one scenario's message through s (nil: the default alone)
	// in a transaction of its own, rolled back after.
	run := func(t *testing.T, s *hooks.Set, sc scenario) modkit.Result {
		var r modkit.Result
		call := hooks.CallInfo{Tenant: sc.config, Caller: abi.Caller{UserID: user.ID, Username: "alice", SessionID: 1}}
		errRollback := errors.New("roll back")
		err := st.Write(ctx, func(tx *store.Tx) error {
			call.Tx = tx
			def := createMessage(tx, user.ID)
			if s == nil {
				out, err := def(ctx, sc.args(room.ID))
				if err != nil {
					return err
				}
				r = modkit.Result{Output: modkit.Normalize(t, out, volatile...),
					DefaultArgs: modkit.Normalize(t, sc.args(room.ID))}
			} else {
				r = modkit.Run(t, s, "_create_message", call, sc.args(room.ID), def, volatile...)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("%s: %v", sc.name, err)
		}
		return r
	}
	results := map[string][]modkit.Result{}
	for _, l := range languages {
		if wasm, ok := modules[l.name]; ok {
			s := modkit.Load(t, deployment(wasm), hooks.Options{Store: st})
			for _, sc := range scenarios {
				results[l.name] = append(results[l.name], run(t, s, sc))
			}
		}
	}
	compare(t, results, func(_ int, sc scenario) modkit.Result { return run(t, nil, sc) })
}

// throughChat sends the scenarios as message.send actions to the chat
// service, with the modules loaded as the server loads them, and compares
// what the client would get (the error, or the message.dispatch broadcast)
// with what it gets from the service without modules.
func throughChat(t *testing.T, st *store.Store, modules map[string]string) {
	ctx := context.Background()
	// One user and room per config: each config's module applies to the
	// tenant named after it.
	callers := map[string]chat.Caller{}
	rooms := map[string]string{}
	for name := range configs {
		u, r := userRoom(t, st, name, "alice-"+name)
		callers[name] = chat.Caller{UserID: u.ID, Tenant: name, Username: u.Username, SessionID: 1}
		rooms[name] = r.ID
	}
	cfg := chat.DefaultConfig()
	send := func(t *testing.T, svc *chat.Service, sc scenario) modkit.Result {
		data := map[string]any{"room_id": rooms[sc.config], "content": sc.content}
		if sc.media {
			data["extra_fields"] = map[string]any{"media": []any{map[string]any{
				"media_url": "https://files.example/a.png", "media_type": "image", "file_size": 1024,
				"mime_type": "image/png"}}}
		}
		b, _ := json.Marshal(data)
		eff, err := svc.Handle(ctx, callers[sc.config], "message.send", b)
		if err != nil {
			ce := wire.AsError(err)
			detail, jerr := json.Marshal(ce.Detail)
			if jerr != nil {
				t.Fatal(jerr)
			}
			return modkit.Result{Code: ce.Code, Detail: string(detail)}
		}
		out, err := json.Marshal(eff)
		if err != nil {
			t.Fatal(err)
		}
		return modkit.Result{Output: modkit.Normalize(t, out, volatile...)}
	}
	results := map[string][]modkit.Result{}
	for _, l := range languages {
		if wasm, ok := modules[l.name]; ok {
			mgr := modkit.Manager(t, deployment(wasm), hooks.Options{Store: st, Renderer: wire.Renderer{},
				WireError: wire.WireError})
			svc := chat.New(st, cfg, nil, chat.WithModules(mgr))
			for _, sc := range scenarios {
				results[l.name] = append(results[l.name], send(t, svc, sc))
			}
		}
	}
	plain := chat.New(st, cfg, nil)
	compare(t, results, func(_ int, sc scenario) modkit.Result {
		r := send(t, plain, sc)
		if !sc.reject && (r.Code != 0 || !strings.Contains(r.Output, "message.dispatch")) {
			t.Errorf("%s: the default alone gives %+v, not a message.dispatch", sc.name, r)
		}
		return r
	})
}
