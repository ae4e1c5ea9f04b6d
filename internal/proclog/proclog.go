// Package proclog captures the output of a chatwasm server process, for the
// tests that run the real binary (internal/testserver): everything it wrote,
// up to a limit, and the address of its "msg=listening addr=HOST:PORT" line.
package proclog

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
)

// listeningRE finds the address in the server's "listening" log line.
var listeningRE = regexp.MustCompile(`msg=listening\b.*?\baddr=(\S+)`)

// Log is an io.Writer for a process's stdout and stderr.
type Log struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	scanned   int
	found     bool
	listening chan string
	// max is how many bytes the log keeps (0: all); a long benchmark
	// must not hold everything its servers wrote.
	max int
}

// New returns an empty Log that keeps everything.
func New() *Log { return &Log{listening: make(chan string, 1)} }

// NewLimited returns an empty Log that keeps the first max bytes written
// and drops the rest.
func NewLimited(max int) *Log { return &Log{listening: make(chan string, 1), max: max} }

// Listening receives the address of the first "listening" line, once.
func (l *Log) Listening() <-chan string { return l.listening }

// Write implements io.Writer.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	keep := p
	if l.max > 0 {
		keep = p[:min(len(p), max(l.max-l.buf.Len(), 0))]
	}
	l.buf.Write(keep)
	for !l.found {
		rest := l.buf.Bytes()[l.scanned:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		if m := listeningRE.FindSubmatch(rest[:i]); m != nil {
			l.found = true
			l.listening <- strings.Trim(string(m[1]), `"`)
		}
		l.scanned += i + 1
	}
	return len(p), nil
}

// String returns everything the process wrote so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
