// Package intake turns the elements one run of a mapping produced into the
// envelopes the StackState receiver accepts on its /stsAgent/intake endpoint,
// encodes them as JSON and delivers them through a Sink.
//
// Build splits a batch into envelopes of at most Options.ChunkSize elements.
// The topology and the health stream are sent as snapshots: the first
// envelope that carries them starts the snapshot and the last one stops it,
// so that StackState removes whatever the run no longer produced. Every list
// in an envelope is present and never null, because the receiver rejects null
// lists.
//
// Three sinks exist: NewWriterSink writes one compact envelope per line,
// NewDirSink writes one indented file per envelope, and StackState posts the
// envelopes, gzip-compressed and in order, to a receiver. A sink stops at the
// first failure, so that a snapshot whose middle went missing is never
// stopped.
package intake
