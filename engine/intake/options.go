package intake

import (
	"errors"
	"fmt"
	"time"
)

// DefaultChunkSize is the number of elements per envelope when
// Options.ChunkSize is 0; the agent and the vendor exporters use the same.
const DefaultChunkSize = 10000

// Health stream repeat intervals: the default, and the bounds a given
// interval is clamped to. The receiver accepts at most 1800 seconds.
const (
	DefaultRepeatInterval = 5 * time.Minute
	MinRepeatInterval     = time.Second
	MaxRepeatInterval     = 1800 * time.Second
)

// Options control how Build and an Assembler turn a batch into envelopes.
type Options struct {
	// Hostname is the envelopes' internalHostname and the host of metrics
	// that name none. It must not be empty, and should stay the same for
	// every run of the same instance, because the receiver treats it as the
	// producer of the snapshots.
	Hostname string
	// ChunkSize is the most elements one envelope holds; 0 means
	// DefaultChunkSize and a negative size is an error.
	ChunkSize int
	// Now is the collection_timestamp; the zero time means time.Now().
	Now time.Time
	// RepeatInterval is the health stream's repeat interval; 0 means
	// DefaultRepeatInterval. It is clamped to [MinRepeatInterval,
	// MaxRepeatInterval] and truncated to whole seconds; a negative
	// interval is an error.
	RepeatInterval time.Duration
}

// resolved holds the options with their defaults applied.
type resolved struct {
	hostname  string
	chunkSize int
	timestamp int64
	repeatS   int64
}

// resolve checks the options and applies their defaults.
func (o Options) resolve() (resolved, error) {
	if o.Hostname == "" {
		return resolved{}, errors.New("hostname is empty: the receiver requires an internalHostname")
	}
	if o.ChunkSize < 0 {
		return resolved{}, fmt.Errorf("chunk size %d is negative", o.ChunkSize)
	}
	if o.RepeatInterval < 0 {
		return resolved{}, fmt.Errorf("health repeat interval %s is negative", o.RepeatInterval)
	}
	r := resolved{hostname: o.Hostname, chunkSize: o.ChunkSize}
	if r.chunkSize == 0 {
		r.chunkSize = DefaultChunkSize
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	r.timestamp = now.Unix()
	repeat := o.RepeatInterval
	switch {
	case repeat == 0:
		repeat = DefaultRepeatInterval
	case repeat < MinRepeatInterval:
		repeat = MinRepeatInterval
	case repeat > MaxRepeatInterval:
		repeat = MaxRepeatInterval
	}
	r.repeatS = int64(repeat / time.Second)
	return r, nil
}
