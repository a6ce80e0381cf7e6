// Package cli is the stackmap command: its verbs, flags and exit codes. It
// is the only package that wires the engine together; main calls Run and
// exits with what it returns.
//
// A CLI writes to injected streams and reads the environment, clock and
// host name through injected functions, so the tests in testdata/cli.yaml
// run every verb as a user would, without a process per case.
package cli
