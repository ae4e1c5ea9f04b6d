package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// malformedWasm declares a section longer than the module.
const malformedWasm = "\x00asm\x01\x00\x00\x00\x05\xff\xff\xff\xff\x0f"

// modulesFixture is an API with modules and a small upload limit.
func modulesFixture(t *testing.T, st *store.Store) (*httptest.Server, *auth.Issuer) {
	t.Helper()
	iss, err := auth.NewIssuer([]byte("admin test secret"))
	if err != nil {
		t.Fatal(err)
	}
	mods, err := hooks.NewManager(context.Background(), "", hooks.Options{Store: st, Stored: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mods.Close(context.Background()) })
	api, err := New(Deps{Store: st, Issuer: iss, Token: adminToken, Modules: mods, MaxModuleBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, iss
}

// TestAdminModuleRequests: what is refused before a module is even
// loaded: oversized and malformed bodies and bytes, invalid manifests,
// over-policy tenant asks; nothing of it is stored.
func TestAdminModuleRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv, iss := modulesFixture(t, st)
		acme, err := iss.IssueTenantAdmin("acme", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		post := func(token, contentType string, body []byte) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/modules", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", contentType)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			return resp.StatusCode, b.String()
		}
		jsonBody := func(v map[string]any) []byte { b, _ := json.Marshal(v); return b }
		multi := func(name, manifest string, wasm []byte) (string, []byte) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			_ = w.WriteField("name", name)
			_ = w.WriteField("manifest", manifest)
			fw, _ := w.CreateFormFile("wasm", "m.wasm")
			_, _ = fw.Write(wasm)
			_ = w.Close()
			return w.FormDataContentType(), b.Bytes()
		}
		mpType, mpBody := multi("m", `{"hooks":["create_message"]}`, []byte(malformedWasm))
		bigType, bigBody := multi("m", `{}`, make([]byte, 8192))
		for _, c := range []struct {
			name, token, ct string
			body            []byte
			status          int
			substr          string
		}{
			{"malformed JSON", adminToken, "application/json", []byte(`{"name":`), 400, "invalid JSON body"},
			{"bad base64", adminToken, "application/json", []byte(`{"name":"m","wasm":"!!"}`), 400, "invalid JSON body"},
			{"no wasm", adminToken, "application/json", jsonBody(map[string]any{"name": "m"}), 400, "wasm is required"},
			{"unknown manifest field", adminToken, "application/json",
				jsonBody(map[string]any{"name": "m", "wasm": []byte("x"), "manifest": map[string]any{"path": "/etc"}}), 400, `unknown field \"path\"`},
			{"bad name", adminToken, "application/json", jsonBody(map[string]any{"name": "a b", "wasm": []byte("x")}), 422, "invalid name"},
			{"bad memory", adminToken, "application/json",
				jsonBody(map[string]any{"name": "m", "wasm": []byte("x"), "manifest": map[string]any{"memory": "64MB"}}), 422, `\"MB\" is ambiguous`},
			{"malformed wasm", adminToken, "application/json", jsonBody(map[string]any{"name": "m", "wasm": []byte(malformedWasm)}), 422, "wasmbin: malformed"},
			{"malformed wasm, multipart", adminToken, mpType, mpBody, 422, "wasmbin: malformed"},
			{"over the body limit", adminToken, "application/json",
				jsonBody(map[string]any{"name": "m", "wasm": make([]byte, 8192)}), 413, "exceeds 4096 bytes"},
			{"over the body limit, multipart", adminToken, bigType, bigBody, 413, "exceeds 4096 bytes"},
			{"tenant over policy", acme, "application/json",
				jsonBody(map[string]any{"name": "m", "wasm": []byte(malformedWasm), "manifest": map[string]any{"capabilities": []string{"kv"}}}),
				403, `capabilities: \"kv\" is not allowed (allowed: none)`},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, body := post(c.token, c.ct, c.body)
				if status != c.status || !strings.Contains(body, c.substr) {
					t.Errorf("%d %s; want %d with %q", status, body, c.status, c.substr)
				}
			})
		}
		var n int
		_ = st.Read(context.Background(), func(tx *store.Tx) error {
			l, err := tx.ListModules(context.Background())
			n = len(l)
			return err
		})
		if n != 0 {
			t.Errorf("%d modules stored after refused uploads", n)
		}
	})
}

// blockingBody is a request body whose first Read signals started and then
// waits for release, as a slow client's would; its Reads are counted.
type blockingBody struct {
	started, release chan struct{}
	reads            atomic.Int32
}

func (b *blockingBody) Read(p []byte) (int, error) {
	if b.reads.Add(1) == 1 {
		close(b.started)
		<-b.release
	}
	return 0, io.EOF
}

func (b *blockingBody) Close() error { return nil }

// TestUploadsAtOnce: at most maxUploads uploads are read and checked at
// once on a node (each may hold a body of --max-module-bytes and a
// compilation in memory); another waits for its turn without reading its
// body, and gives up when its request ends.
func TestUploadsAtOnce(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	iss, err := auth.NewIssuer([]byte("admin test secret"))
	if err != nil {
		t.Fatal(err)
	}
	mods, err := hooks.NewManager(context.Background(), "", hooks.Options{Store: st, Stored: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mods.Close(context.Background())
	api, err := New(Deps{Store: st, Issuer: iss, Token: adminToken, Modules: mods})
	if err != nil {
		t.Fatal(err)
	}
	acme, err := iss.IssueTenantAdmin("acme", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	upload := func(ctx context.Context, body *blockingBody) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/admin/modules", body)
		req.Header.Set("Authorization", "Bearer "+acme)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		return w
	}
	var bodies []*blockingBody
	var done sync.WaitGroup
	for range maxUploads {
		b := &blockingBody{started: make(chan struct{}), release: make(chan struct{})}
		bodies = append(bodies, b)
		done.Go(func() {
			if w := upload(context.Background(), b); w.Code != http.StatusBadRequest {
				t.Errorf("an upload with an empty body: %d %s", w.Code, w.Body)
			}
		})
		<-b.started
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	waiting := &blockingBody{started: make(chan struct{}), release: make(chan struct{})}
	close(waiting.release)
	w := upload(ctx, waiting)
	if n := waiting.reads.Load(); n != 0 || w.Code != http.StatusServiceUnavailable {
		t.Errorf("upload past %d at once: %d %s, its body read %d times; want 503 and not read", maxUploads, w.Code, w.Body, n)
	}
	for _, b := range bodies {
		close(b.release)
	}
	done.Wait()
	// Their turns are given back.
	if w := upload(context.Background(), waiting); w.Code != http.StatusBadRequest {
		t.Errorf("an upload after the others: %d %s", w.Code, w.Body)
	}
}
