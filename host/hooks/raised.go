package hooks

import (
	"errors"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/wasm"
)

// Raised reports which module raised err, if a module's hook did, and how
// (an abi.ErrKind*): the error the module set (ErrKindModuleError), no
// instance in time under load (ErrKindModuleBusy), or a fault: trap,
// timeout, broken limit, output that does not decode
// (ErrKindModuleFault). module is "" when err is the host's own. A module
// that passes on the error next gave it does not raise it.
func Raised(err error) (module, kind string) {
	var he *Error
	if !errors.As(err, &he) || he.Module == "" {
		return "", ""
	}
	var me *wasm.ModuleError
	switch {
	case errors.As(he.Err, &me):
		return he.Module, abi.ErrKindModuleError
	case he.Wire != nil && he.Wire.Detail == BusyDetail:
		return he.Module, abi.ErrKindModuleBusy
	}
	return he.Module, abi.ErrKindModuleFault
}
