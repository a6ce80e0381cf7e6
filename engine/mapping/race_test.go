package mapping_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/mapping"
)

// TestConcurrentRuns shares one compiled plan between goroutines; run it
// with -race. Every concurrent result must equal the sequential one for
// the same start time.
func TestConcurrentRuns(t *testing.T) {
	p, _ := mustCompile(t, shopMapping, shopFiles)
	const n = 8
	times := make([]time.Time, n)
	want := make([]*mapping.Result, n)
	for i := range n {
		times[i] = now.Add(time.Duration(i) * time.Hour)
		res, err := p.Run(context.Background(), mapping.Options{Now: times[i], State: i})
		if err != nil {
			t.Fatalf("sequential run %d: %v", i, err)
		}
		clearDurations(res)
		want[i] = res
	}
	// The runs differ, so a mix-up between goroutines would show.
	if reflect.DeepEqual(want[0].Batch, want[1].Batch) {
		t.Fatal("runs at different times gave equal batches")
	}
	if !reflect.DeepEqual(want[3].Batch, shopBatch(times[3], 3)) {
		t.Errorf("sequential batch 3 is not the expected one")
	}

	got := make([][]*mapping.Result, n)
	errs := make([]error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Go(func() {
			start.Wait()
			for range 3 {
				res, err := p.Run(context.Background(), mapping.Options{Now: times[i], State: i})
				if err != nil {
					errs[i] = err
					return
				}
				clearDurations(res)
				got[i] = append(got[i], res)
			}
		})
	}
	start.Done()
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("goroutine %d: %v", i, errs[i])
			continue
		}
		for j, res := range got[i] {
			if !reflect.DeepEqual(res.Batch, want[i].Batch) {
				t.Errorf("goroutine %d run %d: batch differs from the sequential one", i, j)
			}
			if !reflect.DeepEqual(res.Rules, want[i].Rules) || !reflect.DeepEqual(res.Sources, want[i].Sources) {
				t.Errorf("goroutine %d run %d: stats differ\n got %+v %+v\nwant %+v %+v", i, j, res.Rules, res.Sources, want[i].Rules, want[i].Sources)
			}
			if !res.Started.Equal(times[i]) || res.Problems != nil || res.Errors != nil {
				t.Errorf("goroutine %d run %d: started %v, problems %v, errors %v", i, j, res.Started, res.Problems, res.Errors)
			}
		}
	}
}

// TestConcurrentFailingRuns shares a plan whose runs fail: failures must not
// leak between runs either.
func TestConcurrentFailingRuns(t *testing.T) {
	src := `name: half
sources: [{name: s, file: {path: s.json}}]
components:
  - each: $s[]
    jq: 'if $now % 2 == 0 then {id, type: "t"} else error("odd \($now)") end'
`
	p, _ := mustCompile(t, src, map[string]string{"s.json": `[{"id": "a"}, {"id": "b"}]`})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			at := now.Add(time.Duration(i) * time.Second)
			res, err := p.Run(context.Background(), mapping.Options{Now: at})
			odd := i%2 == 1
			switch {
			case odd && (err == nil || res.Batch != nil || len(res.Errors) != 2):
				t.Errorf("run %d at an odd second: err %v, batch %v", i, err, res.Batch)
			case !odd && (err != nil || res.Batch == nil || len(res.Batch.Components) != 2):
				t.Errorf("run %d at an even second: err %v, batch %+v", i, err, res.Batch)
			}
		})
	}
	wg.Wait()
}
