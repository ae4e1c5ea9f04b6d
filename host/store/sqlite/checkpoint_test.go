package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
)

// openDriver opens a Driver on a fresh file with table t, closed when the
// test ends, and returns it with the file's path.
func openDriver(t *testing.T) (*Driver, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ckpt.db")
	d, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if _, err := d.Exec(context.Background(), "CREATE TABLE t (k BLOB PRIMARY KEY, v BLOB NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return d, path
}

// insertRandom inserts n rows of random keys and 1 KiB values into t in one
// write transaction.
func insertRandom(t *testing.T, d *Driver, n int) {
	t.Helper()
	err := d.InTx(context.Background(), true, func(ex store.Executor) error {
		for range n {
			if _, err := ex.Exec(context.Background(), "INSERT INTO t (k, v) VALUES ($1, $2)",
				rand.Text(), make([]byte, 1024)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rowsInFile counts t's rows in a copy of the database file alone, without
// its WAL: what checkpoints have copied into it.
func rowsInFile(t *testing.T, path string) (int, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	cp := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(cp, data, 0o600); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", "file:"+cp)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRow("SELECT COUNT(*) FROM t").Scan(&n)
	return n, err
}

// The rows of a few small write transactions, far below the writer's
// automatic checkpoint, reach the database file: the checkpointer copied
// them, on its own connection. Close stops it.
func TestCheckpointerCopiesCommits(t *testing.T) {
	d, path := openDriver(t)
	for range 5 {
		insertRandom(t, d, 10)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := rowsInFile(t, path)
		if err == nil && n == 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file holds %d rows of 50 (%v)", n, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.ckpt.done:
	default:
		t.Fatal("the checkpointer runs on after Close")
	}
	if d.ckpt.errors != 0 {
		t.Fatalf("%d checkpoints failed", d.ckpt.errors)
	}
}

// Under writes without pause, which leave a checkpoint on another
// connection never done with the WAL, the WAL stays bounded: the writer's
// automatic checkpoint lets it start over. Its checkpoint is skipped while
// one of the checkpointer runs, so the bound is 4000 frames and what the
// writer commits meanwhile; the test allows far more, and writes three
// times as much as it allows.
func TestWALBoundedUnderSustainedWrites(t *testing.T) {
	d, path := openDriver(t)
	const bound = 16000 * (4096 + 24) // frames and their headers
	var largest int64
	for range 1200 { // about 50,000 frames
		insertRandom(t, d, 40)
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, fi.Size())
	}
	if largest > bound {
		t.Fatalf("the WAL grew to %d bytes, over %d", largest, bound)
	}
	t.Logf("largest WAL: %d bytes", largest)
}
