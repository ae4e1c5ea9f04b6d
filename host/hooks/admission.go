package hooks

import (
	"context"
	"errors"
	"time"

	"github.com/chatwasm/chatwasm/abi"
)

// Defaults of the admission of requests to module code.
const (
	// DefaultMaxConcurrent is how many requests may run module code at once.
	DefaultMaxConcurrent = 32
	// DefaultQueueTimeout is how long a request waits for its turn.
	DefaultQueueTimeout = 5 * time.Second
)

// ErrOverloaded is the cause of the error a request gets when it waited
// QueueTimeout for its turn to run module code: the server is overloaded,
// and no module is at fault.
var ErrOverloaded = errors.New("hooks: too many requests running module code")

// BusyDetail is the detail of the 4006 a client gets when the server is too
// busy to run a request's modules.
const BusyDetail = "Server is busy, try again later."

// admission bounds the requests that run module code at once.
//
// A request takes a turn at its first module call and keeps it until that
// call returns, nested calls included (a layer's next reaching the layers
// below it, the replace chain inside the extend chain, host functions
// calling modules): the turn rides in the call's context. So at most
// MaxConcurrent requests hold module instances, each at most two of each
// module (its extend and its replace layer, nested; deeper re-entrance gets
// extra instances), and every module's pool is sized for that
// (poolSize): a call never waits for an instance, and a chain of modules
// cannot deadlock waiting for one another's instances. Requests
// queue here, before they hold anything, for at most QueueTimeout.
type admission struct {
	turns   chan struct{}
	timeout time.Duration
}

type turnKey struct{}

func newAdmission(max int, timeout time.Duration) *admission {
	if max <= 0 {
		max = DefaultMaxConcurrent
	}
	if timeout <= 0 {
		timeout = DefaultQueueTimeout
	}
	return &admission{turns: make(chan struct{}, max), timeout: timeout}
}

// enter returns ctx carrying a turn and the function that gives it back:
// at once when ctx already carries one or a turn is free, else after
// waiting until one is, QueueTimeout or ctx's end (then an error).
func (a *admission) enter(ctx context.Context, e *env) (context.Context, func(), error) {
	if ctx.Value(turnKey{}) != nil {
		return ctx, func() {}, nil
	}
	select {
	case a.turns <- struct{}{}:
		return context.WithValue(ctx, turnKey{}, a), a.leave, nil
	default:
	}
	start := time.Now()
	timer := time.NewTimer(a.timeout)
	defer timer.Stop()
	select {
	case a.turns <- struct{}{}:
		e.metrics.queueWait.Observe(time.Since(start).Seconds())
		return context.WithValue(ctx, turnKey{}, a), a.leave, nil
	case <-timer.C:
		e.metrics.overloaded.Inc()
		return ctx, nil, ErrOverloaded
	case <-ctx.Done():
		return ctx, nil, ctx.Err()
	}
}

func (a *admission) leave() { <-a.turns }

// poolSize is how many instances a module's pool may hold: two per
// admitted request.
func (a *admission) poolSize() int { return 2 * cap(a.turns) }

// busyError is the error of a request that got no turn.
func busyError(module, hook string, cause error) error {
	return &Error{Module: module, Hook: hook, Wire: &abi.Error{Code: abi.CodeInternal, Detail: BusyDetail}, Err: cause}
}
