package modtool

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report for people: one section per part, aligned.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }
	if r.File != "" {
		p("module\t%s\n", r.File)
	}
	p("size\t%d bytes\n", r.Size)
	p("sha256\t%s\n", r.SHA256)
	switch {
	case len(r.ABI.Declared) == 0:
		p("abi\tnone declared (this host speaks %d)\n", r.ABI.Host)
	case r.ABI.Compatible:
		p("abi\tversion %d\n", r.ABI.Host)
	default:
		p("abi\tversion %s (this host speaks %d)\n", joinInts(r.ABI.Declared), r.ABI.Host)
	}
	if m := r.Memory; m != nil {
		limit := "no maximum"
		if m.HasMax {
			limit = fmt.Sprintf("maximum %d", m.MaxPages)
		}
		p("memory\t%d pages of 64 KiB, %s\n", m.MinPages, limit)
	}

	p("\nhooks (%d)\n", len(r.Hooks))
	for _, h := range r.Hooks {
		p("  %s\t%s\t%s%s\n", h.Name, h.Kind, h.Subject, notCallable(h.Callable))
	}
	p("\ncustom actions (%d)\n", len(r.Actions))
	for _, a := range r.Actions {
		p("  %s\texport %s%s\n", a.EventType, a.Export, notCallable(a.Callable))
	}

	p("\nimports (%d)\n", len(r.Imports))
	for _, i := range r.Imports {
		p("  %s\t%s\t%s\n", i.Module, i.Name, importNote(i))
	}
	caps := "none"
	if len(r.Capabilities) > 0 {
		caps = strings.Join(r.Capabilities, ", ") + "\n\t(to call all of its chatwasm imports; calls without the capability fail)"
	}
	p("\ncapabilities\t%s\n", caps)
	if len(r.Problems) == 0 {
		p("problems\tnone\n")
	} else {
		p("\nproblems (%d)\n", len(r.Problems))
		for _, pr := range r.Problems {
			p("  %s\n", pr)
		}
	}
	return tw.Flush()
}

func notCallable(ok bool) string {
	if ok {
		return ""
	}
	return "\t(not callable: wrong signature)"
}

// importNote says who provides an import and what it needs.
func importNote(i Import) string {
	switch i.Provider {
	case ProviderKernel:
		return "Extism kernel"
	case ProviderWASI:
		return "WASI (no files, environment or arguments; fake clock and entropy)"
	case ProviderChatwasm:
		note := "chatwasm, no capability needed"
		if i.Capability != "" {
			note = fmt.Sprintf("chatwasm, needs capability %q", i.Capability)
		}
		if i.ReplaceOnly {
			note += ", replace layer only"
		}
		return note
	}
	return "NOT PROVIDED by the host"
}

func joinInts(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}
