package bench

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgProbe watches the PostgreSQL server of a benchmark's database from a
// connection of its own.
type pgProbe struct {
	mu   sync.Mutex // one query at a time on conn
	conn *pgx.Conn
}

// newPGProbe connects to db; the connection is closed at cleanup.
func newPGProbe(tb testing.TB, db string) *pgProbe {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		tb.Fatalf("probe: connect: %v", err)
	}
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return &pgProbe{conn: conn}
}

// backends returns the pids of the backends serving the database, this
// probe's excepted, as /proc names; nil on error.
func (p *pgProbe) backends() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	rows, err := p.conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return nil
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil
	}
	out := make([]string, len(pids))
	for i, pid := range pids {
		out[i] = strconv.Itoa(int(pid))
	}
	return out
}

// queueUsage is pg_notification_queue_usage(): the fraction of the NOTIFY
// queue holding notifications some listener has not read yet.
func (p *pgProbe) queueUsage() (float64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var u float64
	err := p.conn.QueryRow(ctx, "SELECT pg_notification_queue_usage()").Scan(&u)
	return u, err
}

// sampleQueue samples queueUsage every 50 ms until the returned function
// is called, which reports the largest sample as "notify-queue-max-%".
func (p *pgProbe) sampleQueue() (report func(b *testing.B, msgs int64)) {
	stop := make(chan struct{})
	done := make(chan float64)
	go func() {
		var peak float64
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
				if u, err := p.queueUsage(); err == nil {
					peak = max(peak, u)
				}
			}
		}
	}()
	return func(b *testing.B, _ int64) {
		close(stop)
		b.ReportMetric(100*<-done, "notify-queue-max-%")
	}
}
