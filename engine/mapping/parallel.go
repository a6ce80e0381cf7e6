package mapping

import (
	"context"
	"runtime/debug"
	"sync"
)

// caught holds the first panic of a group of workers, so that the
// goroutine that started them raises it again once they have stopped:
// there a run's recover turns it into an error (see Plan.Run), where a
// panic on a worker would end the process. A worker's fault on memory, as
// when a mapped file is cut short, panics rather than crashes (see
// debug.SetPanicOnFault).
type caught struct {
	mu    sync.Mutex
	value any
	set   bool
}

// guard is deferred first by a worker: it makes faults panic, and takes a
// panic, recording it and calling stop.
func (c *caught) guard(stop func()) {
	if v := recover(); v != nil {
		c.mu.Lock()
		if !c.set {
			c.value, c.set = v, true
		}
		c.mu.Unlock()
		stop()
	}
}

// raise panics with the recorded panic, if any; the workers must have
// stopped.
func (c *caught) raise() {
	if c.set {
		panic(c.value)
	}
}

// faultsPanic makes faults on memory panic in the calling goroutine, for
// the rest of its life.
func faultsPanic() { debug.SetPanicOnFault(true) }

// batchSize is how many records a worker evaluates at a time; large enough
// to make handing out work cheap, small enough to keep every core busy and
// the results waiting for their turn few.
const batchSize = 256

// forChunks calls fn on consecutive ranges [lo, hi) that cover [0, n), on
// up to workers goroutines, and returns the first error.
func forChunks(ctx context.Context, n, workers int, fn func(lo, hi int) error) error {
	if workers < 2 || n <= batchSize {
		if n == 0 {
			return nil
		}
		return fn(0, n)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu     sync.Mutex
		next   int
		err    error
		wg     sync.WaitGroup
		panics caught
	)
	take := func() (int, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil || next >= n {
			return 0, 0, false
		}
		lo := next
		next = min(n, next+batchSize)
		return lo, next, true
	}
	for range workers {
		wg.Go(func() {
			faultsPanic()
			defer panics.guard(cancel)
			for {
				lo, hi, ok := take()
				if !ok {
					return
				}
				e := ctx.Err()
				if e == nil {
					e = fn(lo, hi)
				}
				if e != nil {
					mu.Lock()
					if err == nil {
						err = e
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	panics.raise()
	return err
}

// ordered evaluates eval(i) for i in [0, n) on up to workers goroutines and
// calls consume with the results in order of i, from the calling goroutine.
// At most a few batches per worker wait for their turn, so memory stays
// bounded however large n is. An error of consume or of ctx stops the work
// and is returned.
//
// eval may append bytes to buf, which consume gets with the result: the
// results of a batch share one buffer, and once consumed, a batch's results
// (zeroed) and buffer are used again for a later batch, so that evaluating
// a record allocates neither its result nor room for its bytes.
func ordered[T any](ctx context.Context, n, workers int, eval func(i int, out *T, buf *[]byte), consume func(out *T, buf []byte) error) error {
	if workers < 2 || n <= batchSize {
		var out T
		var buf []byte
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			var zero T
			out, buf = zero, buf[:0]
			eval(i, &out, &buf)
			if err := consume(&out, buf); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type batch struct {
		outs []T
		buf  []byte
	}
	type job struct {
		lo, hi int
		done   chan *batch
	}
	jobs := make(chan job)
	pending := make(chan chan *batch, 2*workers)
	var panics caught
	// free holds consumed batches for reuse; there are never more batches
	// than fit in it.
	free := make(chan *batch, 3*workers+1)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			faultsPanic()
			defer panics.guard(cancel)
			for j := range jobs {
				var b *batch
				select {
				case b = <-free:
				default:
					b = &batch{outs: make([]T, batchSize)}
				}
				b.outs, b.buf = b.outs[:j.hi-j.lo], b.buf[:0]
				for i := range b.outs {
					if ctx.Err() != nil {
						break
					}
					eval(j.lo+i, &b.outs[i], &b.buf)
				}
				j.done <- b
			}
		})
	}
	go func() {
		defer close(pending)
		defer close(jobs)
		for lo := 0; lo < n; lo += batchSize {
			j := job{lo: lo, hi: min(n, lo+batchSize), done: make(chan *batch, 1)}
			select {
			case pending <- j.done:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
	for done := range pending {
		var b *batch
		select {
		case b = <-done:
		case <-ctx.Done():
		}
		if err == nil {
			err = ctx.Err()
		}
		if b == nil {
			continue
		}
		for i := range b.outs {
			if err != nil {
				break
			}
			err = consume(&b.outs[i], b.buf)
		}
		if err != nil {
			cancel()
		}
		clear(b.outs) // for the collector, and for eval, which expects zeros
		if cap(b.buf) > maxBatchBuffer {
			b.buf = nil
		}
		select {
		case free <- b:
		default:
		}
	}
	wg.Wait()
	panics.raise()
	if err == nil {
		// The producer stops handing out work when ctx is done, which
		// can end the loop before every result was taken.
		err = ctx.Err()
	}
	return err
}

// maxBatchBuffer caps the buffer a batch keeps for the next.
const maxBatchBuffer = 4 << 20
