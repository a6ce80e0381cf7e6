package intake

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Sink delivers the envelopes of one run of a mapping. Send delivers envs in
// order and stops at the first failure, so that the envelope stopping a
// snapshot is never delivered after a lost one.
type Sink interface {
	Send(ctx context.Context, mapping string, envs []Envelope) error
}

// writerSink writes envelopes to a writer, one compact envelope per line.
type writerSink struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriterSink returns a sink that writes every envelope to w as one line
// of compact JSON (NDJSON). The envelopes of one Send are written together,
// so that concurrent mappings do not interleave.
func NewWriterSink(w io.Writer) Sink {
	return &writerSink{w: w}
}

// Send writes envs to the sink's writer.
func (s *writerSink) Send(ctx context.Context, mapping string, envs []Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range envs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: %w", i+1, len(envs), mapping, err)
		}
		if err := Encode(s.w, &envs[i]); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: %w", i+1, len(envs), mapping, err)
		}
	}
	return nil
}
