package pgbroker

// Queued returns how many envelopes wait for the publishing transaction that
// runs, so that tests can line up a batch without timing.
func Queued(b *Broker) int {
	b.pubMu.Lock()
	defer b.pubMu.Unlock()
	return len(b.queue)
}
