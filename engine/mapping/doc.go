// Package mapping compiles a loaded mapping into a Plan and runs it.
//
// Compile checks everything that can be checked before a run — source kinds
// and their settings, every jq expression and template, the schedule — and
// reports all problems with their file positions. A Plan is immutable and
// safe to share: Run may be called from many goroutines at once.
//
// Run fetches the sources in order, binding each one's records as
// $<name>, then evaluates the rules one record at a time, builds and
// validates the elements, and checks the batch as a whole. A run whose
// sources did not all succeed, or whose rules failed, returns no batch:
// never a partial snapshot.
package mapping
