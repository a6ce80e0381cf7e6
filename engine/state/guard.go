package state

import (
	"fmt"
	"slices"
	"time"
)

// NewSnapshot describes a delivered topology snapshot: its component ids,
// in any order, its number of relations and a digest of its elements.
func NewSnapshot(at time.Time, ids []string, relations int, digest string) *Snapshot {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return &Snapshot{At: at, Components: len(ids), Relations: relations, Digest: digest, IDs: ids}
}

// Shrink is what a new snapshot would remove from the last delivered one.
type Shrink struct {
	Removed int     // components of the last snapshot missing from the new one
	Of      int     // components of the last snapshot
	Ratio   float64 // Removed / Of, 0 without a last snapshot
	Sample  []string
}

// ShrinkOf compares the component ids of a new snapshot with the last
// delivered one.
func ShrinkOf(prev *Snapshot, next *Snapshot) Shrink {
	if prev == nil || prev.Components == 0 {
		return Shrink{}
	}
	keep := make(map[string]bool, len(next.IDs))
	for _, id := range next.IDs {
		keep[id] = true
	}
	s := Shrink{Of: prev.Components}
	for _, id := range prev.IDs {
		if !keep[id] {
			s.Removed++
			if len(s.Sample) < 5 {
				s.Sample = append(s.Sample, id)
			}
		}
	}
	if len(prev.IDs) == 0 { // an older state without ids: compare sizes
		s.Removed = max(0, prev.Components-next.Components)
	}
	s.Ratio = float64(s.Removed) / float64(s.Of)
	return s
}

// ShrinkError is a snapshot the shrink guard refused.
type ShrinkError struct {
	Mapping string
	Shrink  Shrink
	Max     float64 // percent
}

func (e *ShrinkError) Error() string {
	return fmt.Sprintf("shrink guard: this snapshot would delete %d of the %d components StackState holds for %s (%.0f%% > max_shrink %.0f%%), for example %v; nothing was sent. If the shrink is real, run once with --force-shrink %s",
		e.Shrink.Removed, e.Shrink.Of, e.Mapping, e.Shrink.Ratio*100, e.Max, e.Shrink.Sample, e.Mapping)
}

// Guard refuses a snapshot that removes more than maxPercent of the last
// delivered snapshot's components.
func Guard(mapping string, prev, next *Snapshot, maxPercent float64) error {
	s := ShrinkOf(prev, next)
	if s.Ratio*100 > maxPercent {
		return &ShrinkError{Mapping: mapping, Shrink: s, Max: maxPercent}
	}
	return nil
}
