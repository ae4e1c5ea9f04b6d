package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
)

// TestUserListGetDeleteUnlink drives the user management subcommands on one
// database: pages, lookup by username and by id, unlink, delete.
func TestUserListGetDeleteUnlink(t *testing.T) {
	db := tempDB(t)
	for _, name := range []string{"ann", "ben", "42"} {
		args := []string{"user", "add", name, "--db", db}
		if name == "ben" {
			args = append(args, "--tenant", "acme")
		}
		if r := runCLI(t, nil, args...); r.code != 0 {
			t.Fatalf("user add %s: %s", name, r.stderr)
		}
	}
	type page struct {
		Users []struct {
			ID       int64  `json:"id"`
			Tenant   string `json:"tenant"`
			Username string `json:"username"`
		} `json:"users"`
		Next *int64 `json:"next"`
	}
	list := func(args ...string) page {
		t.Helper()
		r := runCLI(t, nil, append([]string{"user", "list", "--db", db}, args...)...)
		var p page
		if r.code != 0 {
			t.Fatalf("user list %v: %d %s", args, r.code, r.stderr)
		}
		if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
			t.Fatalf("user list printed %q: %v", r.stdout, err)
		}
		return p
	}
	p := list("--limit", "2")
	if len(p.Users) != 2 || p.Users[0].Username != "ann" || p.Users[1].Username != "ben" || p.Users[1].Tenant != "acme" ||
		p.Next == nil || *p.Next != p.Users[1].ID {
		t.Fatalf("first page %+v", p)
	}
	p = list("--limit", "2", "--after", strconv.FormatInt(*p.Next, 10))
	if len(p.Users) != 1 || p.Users[0].Username != "42" || p.Next != nil {
		t.Fatalf("second page %+v", p)
	}
	if p = list("--tenant", "acme"); len(p.Users) != 1 || p.Users[0].Username != "ben" {
		t.Fatalf("tenant acme %+v", p)
	}
	if r := runCLI(t, nil, "user", "list", "--db", db, "--limit", "0"); r.code != exitUsage {
		t.Fatalf("--limit 0: %d %s", r.code, r.stderr)
	}

	// "42" is a username before it is an id; "1" is ann's id.
	get := func(ref string) map[string]any {
		t.Helper()
		r := runCLI(t, nil, "user", "get", ref, "--db", db)
		if r.code != 0 {
			t.Fatalf("user get %s: %d %s", ref, r.code, r.stderr)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
			t.Fatalf("user get printed %q: %v", r.stdout, err)
		}
		return m
	}
	if m := get("42"); m["username"] != "42" {
		t.Fatalf("get 42: %v", m)
	}
	if m := get("1"); m["username"] != "ann" || m["tenant"] != store.DefaultTenant {
		t.Fatalf("get 1: %v", m)
	}

	// Link an identity to ann with the store, then unlink it with the CLI.
	ctx := context.Background()
	st, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, func(tx *store.Tx) error { return tx.LinkExternalIdentity(ctx, "https://idp", "s1", 1) })
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := get("ann")["identities"].([]any); len(ids) != 1 || ids[0].(map[string]any)["subject"] != "s1" {
		t.Fatalf("ann's identities %v", ids)
	}
	if r := runCLI(t, nil, "user", "unlink", "https://idp", "s1", "--db", db); r.code != 0 {
		t.Fatalf("unlink: %d %s", r.code, r.stderr)
	}
	if ids, _ := get("ann")["identities"].([]any); ids == nil || len(ids) != 0 {
		t.Fatalf("ann's identities after unlink %v", ids)
	}
	if r := runCLI(t, nil, "user", "unlink", "https://idp", "s1", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "no identity") {
		t.Fatalf("second unlink: %d %s", r.code, r.stderr)
	}

	if r := runCLI(t, nil, "user", "delete", "ann", "--db", db); r.code != 0 {
		t.Fatalf("delete ann: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "user", "get", "ann", "--db", db); r.code != 1 || !strings.Contains(r.stderr, `no user "ann"`) {
		t.Fatalf("get deleted ann: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "user", "delete", "3", "--db", db); r.code != 0 {
		t.Fatalf("delete by id 3: %d %s", r.code, r.stderr)
	}
	if p = list(); len(p.Users) != 1 || p.Users[0].Username != "ben" {
		t.Fatalf("after deletes %+v", p)
	}
	if r := runCLI(t, nil, "user", "delete", "--help"); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "open connections stay open") {
		t.Fatalf("delete --help does not say connections stay open: %d %s%s", r.code, r.stdout, r.stderr)
	}
}
