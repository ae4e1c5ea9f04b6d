package bench

import (
	"bytes"
	"os"
	"strconv"
	"testing"
	"time"
)

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on every
// Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// cpuTime returns the user plus system CPU time of process pid ("self" for
// this one), or false where /proc is not available.
func cpuTime(pid string) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields are counted
	// after its closing parenthesis, which is field 2; utime and stime are
	// fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	st, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * clockTick, true
}

// hostCPU returns the machine's idle and total CPU time in clock ticks,
// summed over its CPUs, or false where /proc is not available.
func hostCPU() (idle, total int64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 6 || string(f[0]) != "cpu" {
		return 0, 0, false
	}
	// user nice system idle iowait irq softirq steal ...
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		if i == 3 || i == 4 {
			idle += n
		}
		total += n
	}
	return idle, total, true
}

// cpuMeter measures the CPU used by groups of processes over an interval,
// and how idle the whole machine was: a benchmark that leaves no idle CPU is
// bound by the machine, whoever used it.
type cpuMeter struct {
	// groups returns the processes of each label; it is called at start and
	// at stop, so that processes born meanwhile (new PostgreSQL backends)
	// count from zero.
	groups      func() map[string][]string
	start       map[string]time.Duration
	at          time.Time
	idle, total int64
	hostOK      bool
}

// startCPU starts measuring.
func startCPU(groups func() map[string][]string) *cpuMeter {
	m := &cpuMeter{groups: groups, start: map[string]time.Duration{}, at: time.Now()}
	m.idle, m.total, m.hostOK = hostCPU()
	for _, pids := range groups() {
		for _, p := range pids {
			if d, ok := cpuTime(p); ok {
				m.start[p] = d
			}
		}
	}
	return m
}

// report reports each label's CPU use since start in percent of one core,
// as metric "<label>-cpu%", and per event sent (msgs of them), as
// "<label>-µs/msg"; and the machine's idle time in percent of all its CPUs,
// as "host-idle%". On a shared machine, µs/msg is the steadier figure.
func (m *cpuMeter) report(b *testing.B, msgs int64) {
	elapsed := time.Since(m.at)
	if idle, total, ok := hostCPU(); ok && m.hostOK && total > m.total {
		b.ReportMetric(100*float64(idle-m.idle)/float64(total-m.total), "host-idle%")
	}
	for label, pids := range m.groups() {
		var used time.Duration
		seen := false
		for _, p := range pids {
			if d, ok := cpuTime(p); ok {
				used += d - m.start[p]
				seen = true
			}
		}
		if seen {
			b.ReportMetric(100*used.Seconds()/elapsed.Seconds(), label+"-cpu%")
			if msgs > 0 {
				b.ReportMetric(float64(used.Microseconds())/float64(msgs), label+"-µs/msg")
			}
		}
	}
}
