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
// For large batches an Assembler makes the same envelopes, byte for byte,
// without building them: AppendComponent, AppendRelation and their kin
// encode each element straight from the model, exactly as encoding/json
// would encode its wire struct, and the Assembler streams the elements into
// one envelope at a time, handing each out as soon as it is complete.
// Encode writes an Envelope with the same encoder.
//
// A Sink opens one Delivery per run; the run adds its envelopes, encoded,
// and commits them once the batch is complete or aborts them when the run
// fails. Three sinks exist: NewWriterSink writes one compact envelope per
// line, NewDirSink writes one file per envelope holding the bytes that would
// be posted, and StackState posts the envelopes, gzip-compressed and in
// order, to a receiver. A delivery stops at the first failure, so that a
// snapshot whose middle went missing is never stopped. Send delivers a
// slice of envelopes in one go.
package intake
