// Package harness builds the example modules from source and runs their
// hooks through host/hooks, for the tests of the examples in every language
// and for the cross-language conformance test; and it measures them for the
// benchmarks: Compile and Instancer time wazero's share of loading a module
// alone, MemoryNeeded, HeapInUse and InstanceHeap measure an instance's
// memory, CPUTime the process's CPU time, and Direct loads a module on
// host/wasm without host/hooks, under options a module file cannot set
// (Trusted).
//
// A module whose toolchain is missing skips its test with the command that
// installs it (scripts/install-toolchains LANG), except under CI=true, where
// it fails: CI installs every toolchain first, so nothing may be skipped
// there.
package harness
