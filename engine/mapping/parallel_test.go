package mapping

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestOrderedKeepsInputOrder(t *testing.T) {
	for _, n := range []int{0, 1, batchSize - 1, batchSize, batchSize + 1, 10*batchSize + 7} {
		for _, workers := range []int{1, 2, 5} {
			var got []int
			err := ordered(context.Background(), n, workers, func(i int, out *int, _ *[]byte) {
				if rand.IntN(50) == 0 {
					time.Sleep(time.Millisecond) // let batches finish out of order
				}
				*out = i * 3
			}, func(out *int, _ []byte) error {
				got = append(got, *out)
				return nil
			})
			if err != nil {
				t.Fatalf("n=%d workers=%d: %v", n, workers, err)
			}
			if len(got) != n {
				t.Fatalf("n=%d workers=%d: %d results", n, workers, len(got))
			}
			for i, v := range got {
				if v != i*3 {
					t.Fatalf("n=%d workers=%d: result %d is %d, want %d", n, workers, i, v, i*3)
				}
			}
		}
	}
}

func TestOrderedStopsAtConsumeError(t *testing.T) {
	stop := errors.New("stop")
	for _, workers := range []int{1, 4} {
		taken := 0
		err := ordered(context.Background(), 20*batchSize, workers, func(i int, out *int, _ *[]byte) { *out = i },
			func(out *int, _ []byte) error {
				if *out == 700 {
					return stop
				}
				taken++
				return nil
			})
		if !errors.Is(err, stop) {
			t.Fatalf("workers=%d: err = %v, want stop", workers, err)
		}
		if taken != 700 {
			t.Errorf("workers=%d: consumed %d results before the error, want 700", workers, taken)
		}
	}
}

func TestOrderedStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	taken := 0
	err := ordered(ctx, 100*batchSize, 3, func(i int, out *int, _ *[]byte) { *out = i }, func(out *int, _ []byte) error {
		if taken++; taken == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if taken > 2*batchSize {
		t.Errorf("consumed %d results after the cancel", taken)
	}
}

func TestForChunksCoversEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, batchSize, 7*batchSize + 3} {
		seen := make([]int32, n)
		err := forChunks(context.Background(), n, 3, func(lo, hi int) error {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: index %d seen %d times", n, i, c)
			}
		}
	}
}

// TestOrderedBuffers checks that the bytes eval appends reach consume with
// the result they belong to, also when batches and their buffers are used
// again, and that every result starts out zero.
func TestOrderedBuffers(t *testing.T) {
	type span struct{ i, lo, hi int }
	for _, workers := range []int{1, 3} {
		next := 0
		err := ordered(context.Background(), 40*batchSize+5, workers, func(i int, out *span, buf *[]byte) {
			if *out != (span{}) {
				t.Errorf("result %d starts out as %+v", i, *out)
			}
			out.i, out.lo = i, len(*buf)
			*buf = fmt.Appendf(*buf, "<%d>", i)
			if i%7 == 0 {
				*buf = append(*buf, make([]byte, 1000)...) // grow the buffer now and then
			}
			out.hi = len(*buf)
		}, func(out *span, buf []byte) error {
			want := fmt.Sprintf("<%d>", next)
			if out.i != next || !strings.HasPrefix(string(buf[out.lo:out.hi]), want) {
				return fmt.Errorf("result %d: %+v with bytes %.12q, want %s", next, *out, buf[out.lo:out.hi], want)
			}
			next++
			return nil
		})
		if err != nil {
			t.Fatalf("workers=%d: %v", workers, err)
		}
	}
}

// TestWorkersRaisePanics checks that a panic on a worker of ordered or
// forChunks reaches the calling goroutine, which can recover it, rather
// than ending the process.
func TestWorkersRaisePanics(t *testing.T) {
	recovered := func(f func()) (v any) {
		defer func() { v = recover() }()
		f()
		return nil
	}
	got := recovered(func() {
		_ = ordered(context.Background(), 20*batchSize, 3, func(i int, out *int, _ *[]byte) {
			if i == 3000 {
				panic("boom in eval")
			}
			*out = i
		}, func(*int, []byte) error { return nil })
	})
	if got != "boom in eval" {
		t.Errorf("ordered: recovered %v", got)
	}
	got = recovered(func() {
		_ = forChunks(context.Background(), 20*batchSize, 3, func(lo, hi int) error {
			if lo <= 3000 && 3000 < hi {
				panic("boom in a chunk")
			}
			return nil
		})
	})
	if got != "boom in a chunk" {
		t.Errorf("forChunks: recovered %v", got)
	}
}
