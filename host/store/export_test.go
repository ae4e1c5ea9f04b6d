package store

// QueuedWrites returns how many write operations of s wait for a
// transaction (group commit), for tests that form a batch.
func QueuedWrites(s *Store) int {
	s.gc.mu.Lock()
	defer s.gc.mu.Unlock()
	return len(s.gc.queue)
}
