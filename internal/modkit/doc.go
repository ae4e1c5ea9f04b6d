// Package modkit is the kit the tests of the guest SDKs and of the example
// modules share. It builds modules from source (an example's Makefile, or
// go build for wasip1), loads a deployment and runs a hook through
// host/hooks with a result that compares across languages (Load, Run,
// Normalize), starts an example's own deployment in a real server
// (ServeExample), and holds the checks every SDK must pass: Probe (an SDK's
// bindings through its probe module), Greeter and Moderation (the examples
// any language implements).
//
// For the benchmarks it measures modules: Compile and Instancer time
// wazero's share of loading a module alone, MemoryNeeded, HeapInUse and
// InstanceHeap measure an instance's memory, CPUTime the process's CPU
// time, and Direct loads a module on host/wasm without host/hooks, under
// options a module file cannot set (Trusted).
//
// A module whose toolchain is missing skips its test with the command that
// installs it (scripts/install-toolchains LANG), except under CI=true, where
// it fails: CI installs every toolchain first, so nothing may be skipped
// there.
package modkit
