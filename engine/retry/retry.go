package retry

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy is how often and how patiently to retry.
type Policy struct {
	// Attempts is the number of tries in all; 1 means no retry.
	Attempts int
	// Initial is the first wait, doubled on every retry.
	Initial time.Duration
	// Max caps every wait, Retry-After included.
	Max time.Duration
}

// Status reports whether an HTTP status is worth retrying: 408, 429 and
// 5xx.
func Status(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// Wait is the wait before retry number attempt (from 1): the server's
// retryAfter when it gave one, else Initial doubled per attempt with full
// jitter in its upper half, never more than Max.
func (p Policy) Wait(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.Max)
	}
	d := p.Initial << max(0, attempt-1)
	if d <= 0 || d > p.Max {
		d = p.Max
	}
	return d/2 + rand.N(d/2+1)
}

// After parses a Retry-After header: delay seconds or an HTTP date.
func After(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
