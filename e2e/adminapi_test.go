package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

// httpClient is the client of the suite's own HTTP requests; its timeout
// bounds every request.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// user is an account created through the admin API, with a token for it.
type user = testserver.User

// deleteUser deletes a user through the admin API.
func (s *server) deleteUser(t *testing.T, id int64) {
	t.Helper()
	status, out := s.Admin(t, http.MethodDelete, fmt.Sprintf("/admin/users/%d", id), nil)
	if status != http.StatusNoContent {
		t.Fatalf("DELETE /admin/users/%d: status %d, want 204: %s", id, status, out)
	}
}
