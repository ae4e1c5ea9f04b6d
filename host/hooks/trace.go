package hooks

// The outcomes of a module call, as its span gives them
// (tracing.AttrOutcome).
const (
	// OutcomeOK: the module returned a result.
	OutcomeOK = "ok"
	// OutcomeError: the module returned an error of its own (error_set),
	// a refusal.
	OutcomeError = "error"
	// OutcomeFault: the module trapped or broke a limit.
	OutcomeFault = "fault"
	// OutcomeTimeout: the module ran out of time, a fault.
	OutcomeTimeout = "timeout"
	// OutcomeBusy: no turn or no instance within the queue timeout; not
	// called.
	OutcomeBusy = "busy"
	// OutcomeDisabled: disabled for the tenant after repeated faults; not
	// called.
	OutcomeDisabled = "disabled"
	// OutcomeCanceled: the request went away during the call.
	OutcomeCanceled = "canceled"
)

// layer is the frame's place in its hook's chain for the call's tenant, 0
// for the outermost: the modules before it in the module file that apply
// to the tenant.
func (f *frame) layer() int {
	n := 0
	for _, m := range f.set.byHook[f.hook.Name][:f.idx] {
		if m.appliesTo(f.call.Tenant) {
			n++
		}
	}
	return n
}
