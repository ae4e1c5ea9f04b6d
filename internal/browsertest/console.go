package browsertest

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// syncPrefix starts the text of the markers Errors.List logs through the
// page to know that the recorder has seen everything logged before.
const syncPrefix = "browsertest: sync "

// Errors records what a page's console reports as wrong: console.error
// calls, uncaught exceptions and unhandled rejections, and the browser log's
// errors, among them Content-Security-Policy violations and failed requests.
type Errors struct {
	p *Page

	mu      sync.Mutex
	list    []string
	markers int
	waiting map[string]chan struct{} // by marker text, closed when the recorder sees it
}

// WatchErrors starts recording the page's errors (see Errors) until the test
// ends, except the messages expected reports true for (nil: none). Call it
// before the steps it is to watch, such as the first Navigate.
func (p *Page) WatchErrors(expected func(chromedp.ConsoleMessage) bool) *Errors {
	e := &Errors{p: p, waiting: map[string]chan struct{}{}}
	messages := chromedp.Console(p.ctx) // subscribed from here on, not from the first iteration
	go func() {
		for m, err := range messages {
			if err != nil {
				return // the page was closed
			}
			e.record(m, expected)
		}
	}()
	return e
}

// record keeps m if it is an error not expected, or releases the waiter of
// the marker it is.
func (e *Errors) record(m chromedp.ConsoleMessage, expected func(chromedp.ConsoleMessage) bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ch, ok := e.waiting[m.Text]; ok && m.Type == chromedp.ConsoleDebug {
		delete(e.waiting, m.Text)
		close(ch)
		return
	}
	if (m.Type == chromedp.ConsoleError || m.IsException()) && (expected == nil || !expected(m)) {
		e.list = append(e.list, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
	}
}

// List returns the errors recorded so far: all that the page reported before
// the call, because it logs a marker through the page and waits (within
// Timeout) until the recorder has seen it, the browser sending its messages
// in order.
func (e *Errors) List() []string {
	e.p.tb.Helper()
	e.mu.Lock()
	e.markers++
	marker := syncPrefix + strconv.Itoa(e.markers)
	seen := make(chan struct{})
	e.waiting[marker] = seen
	e.mu.Unlock()
	Eval[any](e.p, "console.debug("+strconv.Quote(marker)+")")
	select {
	case <-seen:
	case <-time.After(Timeout):
		e.p.tb.Fatalf("browsertest: the page's console did not report %q", marker)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}
