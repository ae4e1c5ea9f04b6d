package hooks

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/tracing"
	"github.com/chatwasm/chatwasm/host/wasm"
)

// DefaultFaultLimit is how many faults in a row disable a module.
const DefaultFaultLimit = 5

// DefaultRetryAfter is how long a module disabled for a tenant stays off
// before one call tries it again.
const DefaultRetryAfter = 30 * time.Second

// Next runs the rest of a chain: the next module's layer or, at the end, the
// Go default. in and the result are the hook's JSON payloads.
type Next func(ctx context.Context, in []byte) ([]byte, error)

// Set is an immutable set of loaded modules: for each hook, the modules
// subscribed to it in the order the module file lists them. A nil *Set has
// no modules. Sets are safe for concurrent use.
type Set struct {
	modules []*module
	byHook  map[string][]*module
	env     *env
	// refs counts the Manager's reference plus every Acquire not yet
	// released; the Set closes when it drops to zero.
	refs   atomic.Int64
	closed sync.Once
}

// env is what every Set of a Manager shares.
type env struct {
	opts    Options
	metrics *Metrics
	log     *slog.Logger
	rt      *wasm.Runtime
	admit   *admission
}

// module is one loaded module.
type module struct {
	spec    ModuleSpec
	plugin  *wasm.Module
	hooks   map[string]*hookMetrics // the hooks it is subscribed to
	log     *slog.Logger
	health  sync.Map // tenant → *tenantHealth
	metrics *Metrics
}

// tenantHealth is a module's fault record for one tenant: faults are
// counted, and a module disabled, per module and tenant, so that one
// tenant's crafted inputs cannot turn a shared module off for the others.
//
// A disabled module is tried again, by one call at a time, once
// Options.RetryAfter has passed since its last fault (a circuit breaker's
// half-open state): a module disabled by a passing overload (timeouts on a
// saturated machine, an endpoint down) comes back by itself; one that
// faults on that call stays off for another RetryAfter.
type tenantHealth struct {
	faults  atomic.Int32 // consecutive faults
	off     atomic.Bool  // disabled after too many faults
	retryAt atomic.Int64 // while off: when a call may try it again (Unix ns)
	trying  atomic.Bool  // while off: a trial call is running
}

// trial reports whether a call may try the disabled module now, and if so
// marks the trial running (end it with trying.Store(false)).
func (h *tenantHealth) trial(now time.Time) bool {
	return now.UnixNano() >= h.retryAt.Load() && h.trying.CompareAndSwap(false, true)
}

// healthOf returns the module's fault record for tenant.
func (m *module) healthOf(tenant string) *tenantHealth {
	if h, ok := m.health.Load(tenant); ok {
		return h.(*tenantHealth)
	}
	h, _ := m.health.LoadOrStore(tenant, &tenantHealth{})
	return h.(*tenantHealth)
}

func (m *module) appliesTo(tenant string) bool {
	return m.spec.Tenants == nil || slices.Contains(m.spec.Tenants, tenant)
}

// Has reports whether any module hooks hook for tenant. Callers test it
// before encoding a payload, so that an unhooked operation costs nothing.
func (s *Set) Has(tenant, hook string) bool {
	if s == nil {
		return false
	}
	for _, m := range s.byHook[hook] {
		if m.appliesTo(tenant) {
			return true
		}
	}
	return false
}

// Hooking returns the names of the modules that hook hook for tenant, in
// chain order (outermost first).
func (s *Set) Hooking(tenant, hook string) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, m := range s.byHook[hook] {
		if m.appliesTo(tenant) {
			out = append(out, m.spec.Name)
		}
	}
	return out
}

// Modules returns the names of the set's modules, in file order.
func (s *Set) Modules() []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s.modules))
	for i, m := range s.modules {
		out[i] = m.spec.Name
	}
	return out
}

// Run runs hook's chain for call: the modules subscribed to hook that apply
// to call.Tenant, first listed outermost, then next (the Go default). in is
// the hook's args (the operation's input for Extend and Replace hooks);
// the result is what the outermost layer returned. A module that calls the
// `next` import runs the rest of the chain; one that does not replaces it.
//
// Errors are the Go default's own errors as they are, or an *Error for a
// module's error or fault (errors.As finds its *abi.Error).
func (s *Set) Run(ctx context.Context, hook string, call CallInfo, in []byte, next Next) ([]byte, error) {
	if s == nil {
		return next(ctx, in)
	}
	h, ok := abi.LookupHook(hook)
	if !ok {
		return nil, &Error{Hook: hook, Wire: abi.ErrInternal(), Err: errors.New("hooks: unknown hook")}
	}
	return s.runFrom(ctx, h, &call, 0, in, next)
}

// runFrom runs the chain of h from the i-th subscribed module on.
func (s *Set) runFrom(ctx context.Context, h abi.Hook, call *CallInfo, i int, in []byte, next Next) ([]byte, error) {
	layers := s.byHook[h.Name]
	for ; i < len(layers); i++ {
		if layers[i].appliesTo(call.Tenant) {
			return s.invoke(ctx, &frame{set: s, m: layers[i], hook: h, call: call, idx: i, in: in, next: next})
		}
	}
	return next(ctx, in)
}

// frame is one module invocation: the per-call host context the imports
// receive. It is used by the one goroutine running the call.
type frame struct {
	set  *Set
	m    *module
	hook abi.Hook
	call *CallInfo
	idx  int
	in   []byte
	next Next
	// single frames (serializer hooks) have no layers below them but next.
	single bool

	nextCalled bool
	nextOut    []byte
	nextErr    error
	// nextWire is the encoded error frame next answered with, to recognise
	// a module that passes it on unchanged.
	nextWire []byte

	// emits, logLines and logBytes count what the call emitted and logged
	// against the per-call limits (imports_events.go).
	emits, logLines, logBytes int
	logCut                    bool // a line was dropped (and that was logged)

	// outcome is how the call ended, for its span (an Outcome*; "" is
	// OutcomeOK), and fault the fault a layer open on failure hides.
	outcome string
	fault   error
}

// rest runs the layers below this frame's module.
func (f *frame) rest(ctx context.Context, in []byte) ([]byte, error) {
	if f.single {
		return f.next(ctx, in)
	}
	return f.set.runFrom(ctx, f.hook, f.call, f.idx+1, in, f.next)
}

// invoke calls the frame's module and applies the error model, in a span
// of the call when the request is traced.
func (s *Set) invoke(ctx context.Context, f *frame) ([]byte, error) {
	if f.call.Tx != nil {
		ctx = f.call.Tx.Traced(ctx)
	}
	ctx, span := tracing.Hook(ctx, f.m.spec.Name, f.hook.Name, f.hook.Kind.String())
	if !span.Recording() {
		return s.callModule(ctx, f)
	}
	span.Layer(f.layer())
	out, err := s.callModule(ctx, f)
	cause := err
	if cause == nil {
		cause = f.fault
	}
	span.EndHook(cmp.Or(f.outcome, OutcomeOK), cause)
	return out, err
}

// callModule is invoke without its span.
func (s *Set) callModule(ctx context.Context, f *frame) ([]byte, error) {
	m := f.m
	health := m.healthOf(f.call.Tenant)
	trial := false
	if health.off.Load() {
		if s.env.opts.retryAfter() < 0 || !health.trial(time.Now()) {
			f.outcome = OutcomeDisabled
			return f.failed(ctx, errDisabled)
		}
		trial = true
		defer health.trying.Store(false)
	}
	ctx, leave, err := s.env.admit.enter(ctx, s.env)
	if err != nil {
		m.log.WarnContext(ctx, "module call refused: server busy", "hook", f.hook.Name, "err", err)
		f.outcome = OutcomeBusy
		return nil, busyError(m.spec.Name, f.hook.Name, err)
	}
	defer leave()
	envelope := envelopes.Get().(*[]byte)
	input := abi.AppendCall((*envelope)[:0], abi.Call{
		ABI: abi.Version, Hook: f.hook.Name, Tenant: f.call.Tenant, Caller: f.call.Caller, Args: f.in,
	})
	// The instance drops its view of the input when the call returns (the
	// guest's own copies are in its memory), so the buffer can serve the
	// next call.
	defer putEnvelope(envelope, input)
	hm := m.hooks[f.hook.Name]
	hm.calls.Inc()
	hm.stats.calls.Add(1)
	start := time.Now()
	out, err := m.plugin.Call(ctx, f.hook.Name, input, f)
	took := time.Since(start)
	hm.latency.Observe(took.Seconds())
	hm.stats.nanos.Add(int64(took))
	if err == nil {
		s.countSuccess(ctx, m, health, f.call.Tenant, trial)
		return out, nil
	}
	var me *wasm.ModuleError
	if errors.As(err, &me) {
		hm.errs.Inc()
		hm.stats.errors.Add(1)
		f.outcome = OutcomeError
		s.countSuccess(ctx, m, health, f.call.Tenant, trial)
		err := f.moduleError(ctx, me)
		if m.log.Enabled(ctx, slog.LevelDebug) {
			m.log.DebugContext(ctx, "module refused", "hook", f.hook.Name, "error", string(me.Message))
		}
		return nil, err
	}
	if ctx.Err() != nil && !errors.Is(err, wasm.ErrTimeout) {
		// The request itself went away (client gone, server stopping): not
		// the module's fault.
		f.outcome = OutcomeCanceled
		return nil, &Error{Module: m.spec.Name, Hook: f.hook.Name, Wire: abi.ErrInternal(), Err: err}
	}
	if errors.Is(err, wasm.ErrBusy) {
		// No instance within the queue timeout: admission sizes the pools
		// so that this takes re-entrance beyond them; overload, not a fault.
		m.log.WarnContext(ctx, "module call refused: no instance", "hook", f.hook.Name, "err", err)
		f.outcome = OutcomeBusy
		return nil, busyError(m.spec.Name, f.hook.Name, err)
	}
	hm.faults.Inc()
	hm.stats.errors.Add(1)
	msg := err.Error()
	hm.stats.lastFault.Store(&msg)
	f.outcome, f.fault = OutcomeFault, err
	if errors.Is(err, wasm.ErrTimeout) {
		hm.timeouts.Inc()
		hm.stats.timeouts.Add(1)
		f.outcome = OutcomeTimeout
	}
	if errors.Is(err, wasm.ErrFault) {
		s.countFault(ctx, m, health, f.call.Tenant, trial)
	}
	m.log.ErrorContext(ctx, "module fault", "hook", f.hook.Name, "policy", string(m.spec.OnFailure), "err", err)
	return f.failed(ctx, err)
}

// envelopes recycles the buffers that calls' envelopes are encoded into.
var envelopes = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledEnvelope bounds the buffers kept in envelopes, so that one call
// with large args does not pin its buffer.
const maxPooledEnvelope = 64 << 10

// putEnvelope gives buf back to envelopes with the capacity used grew it to.
func putEnvelope(buf *[]byte, used []byte) {
	if cap(used) <= maxPooledEnvelope {
		*buf = used[:0]
		envelopes.Put(buf)
	}
}

var errDisabled = errors.New("hooks: module disabled for this tenant after repeated faults")

// countFault disables a module for tenant when it faulted too many times in
// a row for it, and keeps it off for another RetryAfter when a trial call
// faults. The disabled gauge counts the tenants it is disabled for.
func (s *Set) countFault(ctx context.Context, m *module, h *tenantHealth, tenant string, trial bool) {
	limit := s.env.opts.FaultLimit
	if limit <= 0 {
		limit = DefaultFaultLimit
	}
	retry := s.env.opts.retryAfter()
	if trial {
		h.retryAt.Store(time.Now().Add(retry).UnixNano())
		m.log.WarnContext(ctx, "module faulted on its trial call; it stays disabled for the tenant", "tenant", tenant,
			"retry_after", retry)
		return
	}
	if int(h.faults.Add(1)) < limit {
		return
	}
	// retryAt first: a call that sees the module off must see when.
	h.retryAt.Store(time.Now().Add(retry).UnixNano())
	if !h.off.CompareAndSwap(false, true) {
		return
	}
	m.metrics.disabled.WithLabelValues(m.spec.Name).Inc()
	if retry < 0 {
		m.log.ErrorContext(ctx, "module disabled for the tenant until reload", "tenant", tenant, "faults", limit,
			"policy", string(m.spec.OnFailure))
		return
	}
	m.log.ErrorContext(ctx, "module disabled for the tenant", "tenant", tenant, "faults", limit,
		"policy", string(m.spec.OnFailure), "retry_after", retry)
}

// countSuccess records a call the module answered (with a result or an
// error of its own): its fault streak ends, and a trial call enables it
// again for tenant.
func (s *Set) countSuccess(ctx context.Context, m *module, h *tenantHealth, tenant string, trial bool) {
	h.faults.Store(0)
	if trial && h.off.CompareAndSwap(true, false) {
		m.metrics.disabled.WithLabelValues(m.spec.Name).Dec()
		m.log.InfoContext(ctx, "module enabled again for the tenant after a trial call", "tenant", tenant)
	}
}

// failed applies the module's failure policy after a fault (or while it is
// disabled). Closed fails the request with a 4006. Open makes the layer
// transparent: the rest of the chain's result if the module already obtained
// it through next (running it twice would repeat its effects), else the rest
// of the chain run now on the layer's input.
func (f *frame) failed(ctx context.Context, cause error) ([]byte, error) {
	if f.m.spec.OnFailure == FailOpen {
		if f.nextCalled {
			return f.nextOut, f.nextErr
		}
		return f.rest(ctx, f.in)
	}
	return nil, &Error{Module: f.m.spec.Name, Hook: f.hook.Name, Wire: abi.ErrInternal(), Err: cause}
}

// moduleError turns the error a module set into the client's error. When the
// module passes on, unchanged, the error next gave it, the original error is
// returned, keeping its cause for the logs.
func (f *frame) moduleError(ctx context.Context, me *wasm.ModuleError) error {
	if f.nextErr != nil && string(f.nextWire) == string(me.Message) {
		return f.nextErr
	}
	wire, err := abi.ParseModuleError(me.Message)
	if err != nil {
		f.m.log.ErrorContext(ctx, "module set an invalid error", "hook", f.hook.Name, "err", err,
			"message", string(me.Message))
	}
	return &Error{Module: f.m.spec.Name, Hook: f.hook.Name, Wire: wire, Err: me}
}

// acquire takes a reference unless the set is already closed.
func (s *Set) acquire() bool {
	for {
		n := s.refs.Load()
		if n <= 0 {
			return false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference and closes the set with the last one.
func (s *Set) release() {
	if s.refs.Add(-1) == 0 {
		s.close()
	}
}

// close frees the modules.
func (s *Set) close() {
	s.closed.Do(func() {
		for _, m := range s.modules {
			if err := m.plugin.Close(context.Background()); err != nil {
				m.log.Warn("close module", "err", err)
			}
		}
	})
}
