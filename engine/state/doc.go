// Package state keeps what a mapping must remember between runs: the last
// successful run, its counts, a digest and the size of the last delivered
// snapshot (for the shrink guard), and the mapping's own state value.
//
// Each mapping has one JSON file in the state directory, written atomically
// (temporary file, fsync, rename, fsync of the directory), so a crash or a
// kill -9 leaves either the old state or the new one, never a torn file. A
// file that cannot be read is reported, moved aside and treated as empty:
// it never stops the daemon.
package state
