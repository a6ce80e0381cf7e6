package schedule

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func every(t *testing.T, spec string) Schedule {
	t.Helper()
	s, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRunnerSkipsOverlapsAndRecovers(t *testing.T) {
	var skipped, panicked atomic.Int32
	r := NewRunner(slog.New(slog.DiscardHandler), Hooks{
		Skipped:  func(string) { skipped.Add(1) },
		Panicked: func(string, any) { panicked.Add(1) },
	})
	var slowRuns, fastRuns, inFlight, most atomic.Int32
	release := make(chan struct{})
	r.Add(Job{Name: "slow", Schedule: every(t, "@every 1s"), Run: func(ctx context.Context) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		if n > most.Load() {
			most.Store(n)
		}
		slowRuns.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
		}
	}})
	r.Add(Job{Name: "boom", Schedule: every(t, "@every 1s"), Run: func(context.Context) {
		fastRuns.Add(1)
		panic("boom")
	}})
	r.Start()
	time.Sleep(3500 * time.Millisecond)
	close(release)
	r.Stop(time.Second)
	if most.Load() != 1 || slowRuns.Load() > 2 {
		t.Errorf("the slow job ran %d times, %d at once; want no overlap", slowRuns.Load(), most.Load())
	}
	if skipped.Load() < 2 {
		t.Errorf("%d skipped runs counted, want at least 2", skipped.Load())
	}
	if fastRuns.Load() < 3 || panicked.Load() != fastRuns.Load() {
		t.Errorf("the panicking job ran %d times with %d panics, want at least 3 and all recovered", fastRuns.Load(), panicked.Load())
	}
}

func TestRunnerStopCancelsAfterGrace(t *testing.T) {
	r := NewRunner(slog.New(slog.DiscardHandler), Hooks{})
	var cancelled sync.WaitGroup
	cancelled.Add(1)
	r.RunNow(Job{Name: "stuck", Run: func(ctx context.Context) {
		<-ctx.Done()
		cancelled.Done()
	}})
	start := time.Now()
	r.Stop(200 * time.Millisecond)
	cancelled.Wait()
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("Stop took %s, want about the grace period", d)
	}
}

func TestOffset(t *testing.T) {
	a, b := Offset("cmdb", 5*time.Minute), Offset("zabbix", 5*time.Minute)
	if a == b || a >= 30*time.Second || b >= 30*time.Second {
		t.Errorf("offsets %s and %s", a, b)
	}
	if Offset("cmdb", 5*time.Minute) != a {
		t.Error("the offset is not stable")
	}
	if o := Offset("cmdb", 10*time.Second); o >= time.Second {
		t.Errorf("offset %s for a 10s schedule, want under 1s", o)
	}
}

func TestParseForms(t *testing.T) {
	for _, spec := range []string{"*/5 * * * *", "0 */5 * * * *", "@hourly", "@every 90s", "CRON_TZ=Europe/Amsterdam 0 6 * * 1-5"} {
		if _, err := Parse(spec); err != nil {
			t.Errorf("%s: %v", spec, err)
		}
	}
	for _, spec := range []string{"", "*/5 * * *", "@sometimes", "CRON_TZ=Mars/Olympus 0 * * * *"} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("%q parsed", spec)
		}
	}
}

// TestRunNowDoesNotOverlapTheSchedule starts a job at once and lets its
// schedule come due while it runs: the scheduled run is skipped.
func TestRunNowDoesNotOverlapTheSchedule(t *testing.T) {
	var skipped, inFlight, most atomic.Int32
	r := NewRunner(slog.New(slog.DiscardHandler), Hooks{Skipped: func(string) { skipped.Add(1) }})
	release := make(chan struct{})
	job := Job{Name: "j", Schedule: every(t, "@every 1s"), Run: func(ctx context.Context) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		if n > most.Load() {
			most.Store(n)
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
	}}
	r.Add(job)
	r.RunNow(job)
	r.Start()
	time.Sleep(2200 * time.Millisecond)
	close(release)
	r.Stop(time.Second)
	if most.Load() != 1 || skipped.Load() < 1 {
		t.Errorf("%d runs at once, %d skipped; want 1 and at least 1", most.Load(), skipped.Load())
	}
}
