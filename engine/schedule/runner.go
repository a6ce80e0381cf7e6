package schedule

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one scheduled function.
type Job struct {
	// Name identifies the job in logs and callbacks, and seeds its offset.
	Name     string
	Schedule Schedule
	// Run does the work; ctx ends when the runner stops.
	Run func(ctx context.Context)
}

// Hooks are told what the runner does, for metrics.
type Hooks struct {
	// Skipped is called when a run is skipped because the previous one of
	// the same job still runs.
	Skipped func(job string)
	// Panicked is called when a run panicked; the runner goes on.
	Panicked func(job string, value any)
}

// Runner runs jobs on their schedules. A job never overlaps itself: a run
// that comes due while the previous one still runs is skipped, not queued.
// Every run starts a stable offset (from the job's name) after its time,
// so that jobs sharing a schedule do not all start at once.
type Runner struct {
	cron   *cron.Cron
	log    *slog.Logger
	hooks  Hooks
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	jobs map[string]cron.EntryID
}

// NewRunner returns a runner that logs to log.
func NewRunner(log *slog.Logger, hooks Hooks) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{cron: cron.New(cron.WithParser(parser)), log: log, hooks: hooks, ctx: ctx, cancel: cancel, jobs: map[string]cron.EntryID{}}
}

// MaxOffset caps the offset that spreads jobs.
const MaxOffset = 30 * time.Second

// Offset is the stable delay of a job's runs: a share of a tenth of its
// interval, at most MaxOffset, chosen by the name.
func Offset(name string, interval time.Duration) time.Duration {
	spread := min(interval/10, MaxOffset)
	if spread <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(spread))
}

// Add schedules a job, replacing one of the same name.
func (r *Runner) Add(j Job) {
	r.Remove(j.Name)
	offset := Offset(j.Name, Interval(j.Schedule, time.Now()))
	var running sync.Mutex
	id := r.cron.Schedule(j.Schedule, cron.FuncJob(func() {
		if !running.TryLock() {
			r.log.Warn("skipped a run: the previous one still runs", "mapping", j.Name)
			if r.hooks.Skipped != nil {
				r.hooks.Skipped(j.Name)
			}
			return
		}
		r.wg.Add(1)
		defer r.wg.Done()
		defer running.Unlock()
		if offset > 0 {
			t := time.NewTimer(offset)
			select {
			case <-r.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		r.runSafely(j)
	}))
	r.mu.Lock()
	r.jobs[j.Name] = id
	r.mu.Unlock()
}

// RunNow runs a job at once, outside its schedule (at start-up), with the
// same protection against panics.
func (r *Runner) RunNow(j Job) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.runSafely(j)
	}()
}

func (r *Runner) runSafely(j Job) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("a run panicked; the other mappings go on", "mapping", j.Name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if r.hooks.Panicked != nil {
				r.hooks.Panicked(j.Name, v)
			}
		}
	}()
	if r.ctx.Err() != nil {
		return
	}
	j.Run(r.ctx)
}

// Remove unschedules a job; a run under way finishes.
func (r *Runner) Remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.jobs[name]; ok {
		r.cron.Remove(id)
		delete(r.jobs, name)
	}
}

// Next returns the next time a job runs, or the zero time.
func (r *Runner) Next(name string) time.Time {
	r.mu.Lock()
	id, ok := r.jobs[name]
	r.mu.Unlock()
	if !ok {
		return time.Time{}
	}
	return r.cron.Entry(id).Next
}

// Start starts running jobs on their schedules.
func (r *Runner) Start() { r.cron.Start() }

// Stop stops scheduling and waits up to grace for runs under way to end;
// then it cancels their context and waits for them to return.
func (r *Runner) Stop(grace time.Duration) {
	<-r.cron.Stop().Done()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		r.log.Warn("runs still going after the grace period; cancelling them", "grace", grace)
		r.cancel()
		<-done
	}
	r.cancel()
}
