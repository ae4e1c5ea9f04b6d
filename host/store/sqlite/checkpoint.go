package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// writerAutocheckpoint is the writer connection's automatic checkpoint
// threshold, in WAL frames (pages): four times SQLite's default of 1000,
// because the checkpointer below copies most frames before the writer gets
// there.
//
// The writer keeps an automatic checkpoint for the one thing no other
// connection can do while it writes without pause: restart the WAL. SQLite
// writes from the start of the WAL again only when a write transaction
// begins with every frame copied back, and under load the writer begins its
// next transaction before a checkpoint on another connection, which copies
// the frames there were when it started, can finish; with the automatic
// checkpoint off the WAL would grow for as long as the load lasts. The
// writer's own checkpoint, after its commit, copies what is left, and its
// next transaction restarts the WAL. It is skipped (and tried again at the
// next commit) while one of the checkpointer runs, so the WAL stays under
// this many frames plus what the writer commits meanwhile.
const writerAutocheckpoint = "&_pragma=wal_autocheckpoint(4000)"

// checkpointInterval is the least time between two checkpoints of the
// checkpointer: a page written by many transactions in between (a room's
// row, an index's inner pages) is copied once per checkpoint, so fewer,
// larger checkpoints copy fewer pages in all, while checkpoints far apart
// leave more for the writer's own.
const checkpointInterval = 25 * time.Millisecond

// checkpointer copies the WAL back into the database file on a connection
// of its own, on another goroutine than the writer's, after write
// transactions commit: the copy and, above all, the fsync of the database
// file that every checkpoint ends with ran in the writer's commit (SQLite's
// automatic checkpoint), where every write waited for them. Its checkpoints
// are PASSIVE: they neither wait for nor block the writer or the readers.
type checkpointer struct {
	db     *sql.DB
	kicks  chan struct{}
	quit   chan struct{}
	done   chan struct{}
	once   sync.Once
	errors int // checkpoints that failed, for tests; owned by run
}

// startCheckpointer opens the checkpointer's connection on dsn and starts
// it.
func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := openDB(dsn, 1)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, kicks: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// kick tells the checkpointer that a write transaction committed. It never
// waits: kicks while one is pending are one.
func (c *checkpointer) kick() {
	select {
	case c.kicks <- struct{}{}:
	default:
	}
}

// run checkpoints after kicks, at most once per checkpointInterval, until
// stop.
func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.quit:
			return
		case <-c.kicks:
		}
		// A failed checkpoint is retried on the next kick; meanwhile the
		// writer's automatic checkpoint bounds the WAL, and no write
		// depends on this one.
		if err := c.checkpoint(context.Background()); err != nil {
			c.errors++
		}
		select {
		case <-c.quit:
			return
		case <-time.After(checkpointInterval):
		}
	}
}

// checkpoint runs one PASSIVE checkpoint.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, frames, copied int
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	return nil
}

// stop stops the checkpointer, waiting for a checkpoint under way, and
// closes its connection; again, it does nothing.
func (c *checkpointer) stop() error {
	var err error
	c.once.Do(func() {
		close(c.quit)
		<-c.done
		err = c.db.Close()
	})
	return err
}
