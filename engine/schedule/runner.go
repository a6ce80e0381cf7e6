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

	mu      sync.Mutex
	stopped bool // set by Stop; no run starts after it
	jobs    map[string]cron.EntryID
	running map[string]*sync.Mutex // by job name, shared by its versions
}

// NewRunner returns a runner that logs to log.
func NewRunner(log *slog.Logger, hooks Hooks) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{cron: cron.New(cron.WithParser(parser)), log: log, hooks: hooks, ctx: ctx, cancel: cancel,
		jobs: map[string]cron.EntryID{}, running: map[string]*sync.Mutex{}}
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
	running := r.lock(j.Name)
	id := r.cron.Schedule(j.Schedule, cron.FuncJob(func() {
		if !r.enter() {
			return
		}
		defer r.wg.Done()
		if !r.begin(j.Name, running) {
			return
		}
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
// same protection against panics and against overlapping itself.
func (r *Runner) RunNow(j Job) {
	running := r.lock(j.Name)
	if !r.enter() {
		return
	}
	if !r.begin(j.Name, running) {
		r.wg.Done()
		return
	}
	go func() {
		defer r.wg.Done()
		defer running.Unlock()
		r.runSafely(j)
	}()
}

// enter counts a run that is about to start, unless the runner stopped.
// The count is taken under the runner's mutex, so that it never races
// with Stop's wait for the runs under way.
func (r *Runner) enter() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return false
	}
	r.wg.Add(1)
	return true
}

// lock returns the mutex that keeps a job from overlapping itself; every
// version of a job (after a reload) shares it.
func (r *Runner) lock(name string) *sync.Mutex {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.running[name]
	if m == nil {
		m = &sync.Mutex{}
		r.running[name] = m
	}
	return m
}

// begin takes a job's mutex, or reports and counts a skipped run.
func (r *Runner) begin(name string, running *sync.Mutex) bool {
	if running.TryLock() {
		return true
	}
	r.log.Warn("skipped a run: the previous one still runs", "mapping", name)
	if r.hooks.Skipped != nil {
		r.hooks.Skipped(name)
	}
	return false
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
	// cron's own Stop would wait for the runs without a limit; the wait
	// here has one.
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	r.cron.Stop()
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
