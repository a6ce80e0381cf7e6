package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Sink delivers the envelopes of runs of mappings. Each run opens a
// Delivery, adds its envelopes to it one by one as they are assembled, and
// commits it once the batch is complete, or aborts it when the run fails,
// so that a snapshot is delivered whole or not at all.
type Sink interface {
	// Open starts the delivery of one run of mapping.
	Open(ctx context.Context, mapping string) (Delivery, error)
}

// Delivery collects the envelopes of one run of a mapping and delivers
// them on Commit. It is used by one goroutine.
type Delivery interface {
	// Add takes the next envelope, as compact JSON without a trailing
	// newline, such as an Assembler hands out, in parts that make it when
	// joined (an Assembler hands out its large element lists as parts of
	// their own, rather than copying them into one buffer). The delivery
	// does not keep the parts after Add returns.
	Add(parts ...[]byte) error
	// Commit delivers every envelope added, in order, and stops at the
	// first failure, so that the envelope stopping a snapshot is never
	// delivered after a lost one. The delivery is over afterwards, whether
	// Commit succeeded or not.
	Commit(ctx context.Context) error
	// Abort drops every envelope added and delivers nothing. It is a no-op
	// after Commit, and may be called more than once.
	Abort()
}

// Send delivers envs through s in one delivery: it opens the delivery,
// adds every envelope encoded as Encode does without the newline, and
// commits, aborting the delivery when any step fails.
func Send(ctx context.Context, s Sink, mapping string, envs []Envelope) error {
	d, err := s.Open(ctx, mapping)
	if err != nil {
		return err
	}
	var buf []byte
	for i := range envs {
		if buf, err = AppendEnvelope(buf[:0], &envs[i]); err != nil {
			d.Abort()
			return fmt.Errorf("chunk %d of %d of mapping %q: %w", i+1, len(envs), mapping, err)
		}
		if err := d.Add(buf); err != nil {
			d.Abort()
			return err
		}
	}
	if err := d.Commit(ctx); err != nil {
		d.Abort()
		return err
	}
	return nil
}

// errDeliveryOver reports a use of a delivery after its Commit or Abort.
var errDeliveryOver = errors.New("delivery is over: committed or aborted")

// writerSink writes envelopes to a writer, one compact envelope per line.
type writerSink struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriterSink returns a sink that writes every envelope to w as one line
// of compact JSON (NDJSON). A delivery keeps its envelopes (in memory, and
// beyond 64 MB in a temporary file) and writes them together on Commit,
// each line in one Write, so that concurrent mappings do not interleave.
func NewWriterSink(w io.Writer) Sink {
	return &writerSink{w: w}
}

// Open starts a delivery to the sink's writer.
func (s *writerSink) Open(_ context.Context, mapping string) (Delivery, error) {
	return &writerDelivery{sink: s, mapping: mapping}, nil
}

// writerDelivery is a delivery of a writerSink.
type writerDelivery struct {
	sink    *writerSink
	mapping string
	// lines holds the envelopes added, each followed by a newline, each
	// in a buffer of its own (one growing buffer of megabytes would be
	// copied over and over), up to maxHeld bytes; the envelopes after go
	// to spill, a temporary file, so that memory stays flat however large
	// the snapshot.
	lines [][]byte
	held  int
	spill *spill
	over  bool
}

// maxHeld is how many bytes of envelopes a writer delivery holds in memory
// before it writes the rest to a temporary file until Commit.
var maxHeld = 64 << 20

// Add keeps a copy of the envelope and a newline.
func (d *writerDelivery) Add(parts ...[]byte) error {
	if d.over {
		return fmt.Errorf("write chunk of mapping %q: %w", d.mapping, errDeliveryOver)
	}
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	if d.spill == nil && d.held+size+1 > maxHeld && len(d.lines) > 0 {
		s, err := newSpill()
		if err != nil {
			return fmt.Errorf("write chunk of mapping %q: %w", d.mapping, err)
		}
		d.spill = s
	}
	if d.spill != nil {
		if err := d.spill.write(append(parts[:len(parts):len(parts)], newline)...); err != nil {
			return fmt.Errorf("write chunk of mapping %q: %w", d.mapping, err)
		}
		return nil
	}
	line := make([]byte, 0, size+1)
	for _, p := range parts {
		line = append(line, p...)
	}
	line = append(line, '\n')
	d.lines = append(d.lines, line)
	d.held += len(line)
	return nil
}

var newline = []byte{'\n'}

// Commit writes the envelopes, one line each, while holding the sink's
// lock.
func (d *writerDelivery) Commit(ctx context.Context) error {
	if d.over {
		return fmt.Errorf("write chunks of mapping %q: %w", d.mapping, errDeliveryOver)
	}
	d.over = true
	defer d.drop()
	n := len(d.lines)
	if d.spill != nil {
		n += len(d.spill.sizes)
	}
	i := 0
	write := func(line []byte) error {
		i++
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: %w", i, n, d.mapping, err)
		}
		if _, err := d.sink.w.Write(line); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: %w", i, n, d.mapping, err)
		}
		return nil
	}
	d.sink.mu.Lock()
	defer d.sink.mu.Unlock()
	for _, line := range d.lines {
		if err := write(line); err != nil {
			return err
		}
	}
	if d.spill != nil {
		if _, err := d.spill.replay(nil, write); err != nil {
			return err
		}
	}
	return nil
}

// drop releases the envelopes and the temporary file.
func (d *writerDelivery) drop() {
	d.lines, d.held = nil, 0
	if d.spill != nil {
		d.spill.close()
		d.spill = nil
	}
}

// Abort drops the envelopes.
func (d *writerDelivery) Abort() {
	d.over = true
	d.drop()
}
