package expr_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/stackmap/stackmap/engine/expr"
)

// TestConcurrentUse shares one Program and one Template across goroutines
// that run them at the same time on different inputs; run it with -race.
func TestConcurrentUse(t *testing.T) {
	vars := []string{"$k", "$vars"}
	prog, err := expr.Compile(`.items[] | {id: "urn:x:\(.id)", v: (.n * $k), host: (.h | urn_host), base: $vars.base}`, vars)
	if err != nil {
		t.Fatal(err)
	}
	url, err := expr.CompileString("{{ $vars.base }}/items/{{ .items[0].id }}?k={{ $k }}", vars)
	if err != nil {
		t.Fatal(err)
	}
	typed, err := expr.CompileString("{{ [.items[].n] | add }}", vars)
	if err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for r := range rounds {
				k := w*1000 + r
				base := fmt.Sprintf("https://w%d.example.com", w)
				in := map[string]any{"items": []any{
					map[string]any{"id": fmt.Sprintf("w%d-r%d-a", w, r), "n": r, "h": fmt.Sprintf("h%d", w)},
					map[string]any{"id": fmt.Sprintf("w%d-r%d-b", w, r), "n": w, "h": fmt.Sprintf("g%d", r)},
				}}
				values := []any{k, map[string]any{"base": base}}
				out, err := prog.All(ctx, in, values)
				if err != nil {
					errs <- err
					return
				}
				want := []any{
					map[string]any{"id": fmt.Sprintf("urn:x:w%d-r%d-a", w, r), "v": r * k, "host": fmt.Sprintf("urn:host:/h%d", w), "base": base},
					map[string]any{"id": fmt.Sprintf("urn:x:w%d-r%d-b", w, r), "v": w * k, "host": fmt.Sprintf("urn:host:/g%d", r), "base": base},
				}
				if !reflect.DeepEqual(out, want) {
					errs <- fmt.Errorf("worker %d round %d: program gave %v, want %v", w, r, out, want)
					return
				}
				s, err := url.EvalString(ctx, in, values)
				if wantURL := fmt.Sprintf("%s/items/w%d-r%d-a?k=%d", base, w, r, k); err != nil || s != wantURL {
					errs <- fmt.Errorf("worker %d round %d: template gave %q, %v; want %q", w, r, s, err, wantURL)
					return
				}
				v, err := typed.Eval(ctx, in, values)
				if err != nil || v != r+w {
					errs <- fmt.Errorf("worker %d round %d: typed template gave %#v, %v; want %d", w, r, v, err, r+w)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
