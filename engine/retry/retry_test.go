package retry

import (
	"net/http"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	p := Policy{Attempts: 5, Initial: 100 * time.Millisecond, Max: time.Second}
	for attempt, span := range map[int][2]time.Duration{
		1:  {50 * time.Millisecond, 100 * time.Millisecond},
		2:  {100 * time.Millisecond, 200 * time.Millisecond},
		3:  {200 * time.Millisecond, 400 * time.Millisecond},
		5:  {500 * time.Millisecond, time.Second}, // capped
		70: {500 * time.Millisecond, time.Second}, // no overflow
	} {
		for range 50 {
			if w := p.Wait(attempt, 0); w < span[0] || w > span[1] {
				t.Fatalf("attempt %d waits %s, want %s…%s", attempt, w, span[0], span[1])
			}
		}
	}
	if w := p.Wait(1, 700*time.Millisecond); w != 700*time.Millisecond {
		t.Errorf("Retry-After 700ms: waits %s", w)
	}
	if w := p.Wait(1, time.Hour); w != time.Second {
		t.Errorf("Retry-After 1h: waits %s, want the cap", w)
	}
}

func TestAfter(t *testing.T) {
	now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":     0,
		"3":    3 * time.Second,
		"-1":   0,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := After(h, now); got != want {
			t.Errorf("After(%q) = %s, want %s", h, got, want)
		}
	}
	for code, want := range map[int]bool{200: false, 400: false, 401: false, 403: false, 404: false, 408: true, 429: true, 500: true, 502: true, 503: true} {
		if Status(code) != want {
			t.Errorf("Status(%d) = %v", code, !want)
		}
	}
}
