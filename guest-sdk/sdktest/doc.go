// Package sdktest holds what the tests of the non-Go guest SDKs and of
// their example modules share: the toolchain checks that skip a test (or
// fail it under CI) when a compiler is missing, and Probe, which checks an
// SDK's bindings against the real host through the SDK's probe module.
package sdktest
