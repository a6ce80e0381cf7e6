package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/retry"
)

const testKey = "s3cret-key+/="

// receiver is a fake StackState receiver that checks requests as the real
// one does and records the envelopes it accepted.
type receiver struct {
	key string
	// fail, when set, answers request number n (1-based) with a status and
	// a body instead of accepting it.
	fail func(n int) (status int, body string)
	// onAccept, when set, runs after request number n was accepted.
	onAccept func(n int)

	mu         sync.Mutex
	requests   int
	accepted   []map[string]any
	userAgents []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	rc.requests++
	n := rc.requests
	rc.mu.Unlock()

	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path != "/receiver/stsAgent/intake" {
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("sts-api-key"); got != rc.key {
		// Echo the key, as a careless server might, so that tests see
		// whether the sink redacts it.
		http.Error(w, "invalid api key "+got, http.StatusForbidden)
		return
	}
	if got := r.URL.Query().Get("api_key"); got != rc.key {
		http.Error(w, "invalid api_key parameter "+got, http.StatusForbidden)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		http.Error(w, "unsupported content type "+ct, http.StatusUnsupportedMediaType)
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "gzip" {
		http.Error(w, "want gzip, got "+ce, http.StatusBadRequest)
		return
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		http.Error(w, "bad gzip: "+err.Error(), http.StatusBadRequest)
		return
	}
	var env map[string]any
	dec := json.NewDecoder(zr)
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		http.Error(w, "Failed to deserialize JSON on fields: , with message: "+err.Error(), http.StatusBadRequest)
		return
	}
	if _, ok := env["internalHostname"]; !ok {
		http.Error(w, "Failed to deserialize JSON on fields: , with message: Object is missing required member 'internalHostname'", http.StatusBadRequest)
		return
	}
	if rc.fail != nil {
		if status, body := rc.fail(n); status != 0 {
			if after, ok := strings.CutPrefix(body, "retry-after:"); ok {
				w.Header().Set("Retry-After", after)
			}
			http.Error(w, body, status)
			return
		}
	}
	rc.mu.Lock()
	rc.accepted = append(rc.accepted, env)
	rc.userAgents = append(rc.userAgents, r.Header.Get("User-Agent"))
	rc.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	if rc.onAccept != nil {
		rc.onAccept(n)
	}
}

// seen returns the number of requests rc saw and the envelopes it accepted.
func (rc *receiver) seen() (int, []map[string]any) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.requests, slices.Clone(rc.accepted)
}

// start serves rc and returns a sink posting to it with key.
func (rc *receiver) start(t *testing.T, key string) *StackState {
	t.Helper()
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	s, err := NewStackState(srv.URL, config.NewSecret(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// decoded returns envs as the receiver decodes them.
func decoded(t *testing.T, envs []Envelope) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i := range envs {
		var buf bytes.Buffer
		if err := Encode(&buf, &envs[i]); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		dec := json.NewDecoder(&buf)
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// stops reports whether a received envelope stops the topology snapshot.
func stops(env map[string]any) bool {
	for _, top := range env["topologies"].([]any) {
		if top.(map[string]any)["stop_snapshot"] == true {
			return true
		}
	}
	return false
}

func TestStackStateDeliversInOrder(t *testing.T) {
	rc := &receiver{key: testKey}
	s := rc.start(t, testKey)
	var logs bytes.Buffer
	s.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.UserAgent = "stackmap/test"

	envs, err := Build(basicBatch(), Options{Hostname: "h", ChunkSize: 2, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := Send(context.Background(), s, "shop", envs); err != nil {
		t.Fatal(err)
	}
	_, accepted := rc.seen()
	if !reflect.DeepEqual(accepted, decoded(t, envs)) {
		t.Errorf("receiver got\n%v\nwant\n%v", accepted, decoded(t, envs))
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, ua := range rc.userAgents {
		if ua != "stackmap/test" {
			t.Errorf("User-Agent %q", ua)
		}
	}
	if n := strings.Count(logs.String(), "sent chunk"); n != len(envs) {
		t.Errorf("%d debug lines, want one per chunk (%d):\n%s", n, len(envs), logs.String())
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("log reveals the key:\n%s", logs.String())
	}
}

func TestStackStateStopsAtFailure(t *testing.T) {
	rc := &receiver{key: testKey, fail: func(n int) (int, string) {
		if n >= 2 {
			return http.StatusInternalServerError, "kafka unavailable\n" + strings.Repeat("x", 300)
		}
		return 0, ""
	}}
	s := rc.start(t, testKey)
	s.Retry = retry.Policy{Attempts: 2, Initial: time.Millisecond, Max: time.Millisecond}
	envs := buildSized(t, 3, "h")

	err := Send(context.Background(), s, "m", envs)
	var serr *StatusError
	if !errors.As(err, &serr) {
		t.Fatalf("error %v, want a *StatusError", err)
	}
	if serr.StatusCode != 500 || serr.Chunk != 2 || serr.Chunks != 3 {
		t.Errorf("status error %+v, want 500 on chunk 2 of 3", serr)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "receiver answered 500 Internal Server Error to chunk 2 of 3: kafka unavailable x") {
		t.Errorf("error %q", msg)
	}
	if len(serr.Body) > bodySnippetSize {
		t.Errorf("body snippet of %d bytes, want at most %d", len(serr.Body), bodySnippetSize)
	}
	requests, accepted := rc.seen()
	if requests != 3 || len(accepted) != 1 {
		t.Errorf("receiver saw %d requests and accepted %d, want 3 (chunk 2 tried twice) and 1", requests, len(accepted))
	}
	for _, env := range accepted {
		if stops(env) {
			t.Error("the envelope stopping the snapshot was sent after a failure")
		}
	}
}

func TestStackStateWrongKey(t *testing.T) {
	rc := &receiver{key: testKey}
	const wrong = "wr0ng-key/+"
	s := rc.start(t, wrong)
	err := Send(context.Background(), s, "m", buildSized(t, 2, "h"))
	var serr *StatusError
	if !errors.As(err, &serr) || serr.StatusCode != http.StatusForbidden {
		t.Fatalf("error %v, want a 403 *StatusError", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "403 Forbidden to chunk 1 of 2") || !strings.Contains(msg, "invalid api key "+config.Redacted) {
		t.Errorf("error %q does not report the 403 with the redacted body", msg)
	}
	if strings.Contains(msg, "wr0ng") {
		t.Errorf("error %q reveals the key", msg)
	}
	if requests, _ := rc.seen(); requests != 1 {
		t.Errorf("receiver saw %d requests, want 1", requests)
	}
}

func TestStackStateCancel(t *testing.T) {
	t.Run("before sending", func(t *testing.T) {
		rc := &receiver{key: testKey}
		s := rc.start(t, testKey)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Send(ctx, s, "m", buildSized(t, 2, "h"))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if requests, _ := rc.seen(); requests != 0 {
			t.Errorf("receiver saw %d requests, want none", requests)
		}
	})
	t.Run("between chunks", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rc := &receiver{key: testKey, onAccept: func(int) { cancel() }}
		s := rc.start(t, testKey)
		err := Send(ctx, s, "m", buildSized(t, 3, "h"))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %q reveals the key", err)
		}
		if requests, _ := rc.seen(); requests != 1 {
			t.Errorf("receiver saw %d requests, want 1", requests)
		}
	})
}

func TestStackStateTransportErrorHidesKey(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	s, err := NewStackState(srv.URL, config.NewSecret(testKey))
	if err != nil {
		t.Fatal(err)
	}
	s.Retry = retry.Policy{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond}
	err = Send(context.Background(), s, "m", buildSized(t, 1, "h"))
	if err == nil || !strings.Contains(err.Error(), "(after 3 attempts)") {
		t.Fatalf("error %v from a closed server, want one after 3 attempts", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "post chunk 1 of 1 to "+srv.URL+"/receiver/stsAgent/intake: ") {
		t.Errorf("error %q does not name the chunk and the endpoint", msg)
	}
	if strings.Contains(msg, "s3cret") || strings.Contains(msg, "api_key") {
		t.Errorf("error %q reveals the key", msg)
	}
}

func TestStackStateDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/receiver/stsAgent/intake", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere?"+r.URL.RawQuery, http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Store(true) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s, err := NewStackState(srv.URL, config.NewSecret(testKey))
	if err != nil {
		t.Fatal(err)
	}
	err = Send(context.Background(), s, "m", buildSized(t, 1, "h"))
	var serr *StatusError
	if !errors.As(err, &serr) || serr.StatusCode != http.StatusPermanentRedirect {
		t.Fatalf("error %v, want a 308 *StatusError", err)
	}
	if followed.Load() {
		t.Error("the redirect was followed, taking the key along")
	}
	if !strings.Contains(err.Error(), "/elsewhere?api_key="+config.Redacted) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q does not show the redacted redirect target", err)
	}
}

func TestNewStackState(t *testing.T) {
	if _, err := NewStackState("https://obs.example.com", config.Secret{}); err == nil || !strings.Contains(err.Error(), "api key is empty") {
		t.Errorf("empty key: error %v", err)
	}
	if _, err := NewStackState("ftp://obs.example.com", config.NewSecret("k")); err == nil {
		t.Error("ftp url accepted")
	}
	s, err := NewStackState("https://obs.example.com", config.NewSecret("topsecret"))
	if err != nil {
		t.Fatal(err)
	}
	if s.URL != "https://obs.example.com/receiver/stsAgent/intake" {
		t.Errorf("URL %q is not normalised", s.URL)
	}
	if got := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(got, "topsecret") || !strings.Contains(got, config.Redacted) {
		t.Errorf("printing the sink shows %s", got)
	}
}

func TestGzipChunk(t *testing.T) {
	envs := buildSized(t, 2, "h")
	var body bytes.Buffer
	var want bytes.Buffer
	for i := range envs {
		chunk, err := AppendEnvelope(nil, &envs[i])
		if err != nil {
			t.Fatal(err)
		}
		start := body.Len()
		if err := gzipChunk(&body, [][]byte{chunk}); err != nil {
			t.Fatal(err)
		}
		// Every body is one complete gzip stream of its own.
		zr, err := gzip.NewReader(bytes.NewReader(body.Bytes()[start:]))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		want.Reset()
		if err := Encode(&want, &envs[i]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("gzip body %d is not the compact envelope with its newline:\n%s", i+1, got)
		}
	}
}

func TestWithAPIKey(t *testing.T) {
	tests := []struct{ endpoint, key, want string }{
		{"https://h/stsAgent/intake", "k", "https://h/stsAgent/intake?api_key=k"},
		{"https://h/stsAgent/intake?tenant=a", "k", "https://h/stsAgent/intake?tenant=a&api_key=k"},
		{"https://h/stsAgent/intake", "a+b/c=&d", "https://h/stsAgent/intake?api_key=a%2Bb%2Fc%3D%26d"},
	}
	for _, tt := range tests {
		if got := withAPIKey(tt.endpoint, tt.key); got != tt.want {
			t.Errorf("withAPIKey(%q, %q) = %q, want %q", tt.endpoint, tt.key, got, tt.want)
		}
	}
}

func TestStackStateRetries(t *testing.T) {
	cases := []struct {
		name     string
		fail     func(n int) (int, string)
		requests int
		ok       bool
	}{
		{"503 twice, then accepted", func(n int) (int, string) {
			if n <= 2 {
				return http.StatusServiceUnavailable, "busy"
			}
			return 0, ""
		}, 4, true},
		{"429 with Retry-After", func(n int) (int, string) {
			if n == 1 {
				return http.StatusTooManyRequests, "retry-after:1"
			}
			return 0, ""
		}, 3, true},
		{"403 is final", func(n int) (int, string) { return http.StatusForbidden, "no" }, 1, false},
		{"400 is final", func(n int) (int, string) { return http.StatusBadRequest, "bad json" }, 1, false},
		{"500 until attempts run out", func(n int) (int, string) { return http.StatusBadGateway, "down" }, 4, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := &receiver{key: testKey, fail: tc.fail}
			s := rc.start(t, testKey)
			retries := 0
			s.Retry = retry.Policy{Attempts: 4, Initial: time.Millisecond, Max: 2 * time.Second}
			s.OnRetry = func() { retries++ }
			start := time.Now()
			err := Send(context.Background(), s, "m", buildSized(t, 2, "h"))
			if (err == nil) != tc.ok {
				t.Fatalf("error %v", err)
			}
			if requests, _ := rc.seen(); requests != tc.requests {
				t.Errorf("%d requests, want %d", requests, tc.requests)
			}
			if tc.name == "429 with Retry-After" && time.Since(start) < 900*time.Millisecond {
				t.Errorf("did not wait for Retry-After: %s", time.Since(start))
			}
			if want := tc.requests - 2; tc.ok && retries != want {
				t.Errorf("%d retries counted, want %d", retries, want)
			}
		})
	}
}

func TestStackStateDelivery(t *testing.T) {
	rc := &receiver{key: testKey}
	s := rc.start(t, testKey)
	ctx := context.Background()
	envs, err := Build(basicBatch(), Options{Hostname: "h", ChunkSize: 3, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Open(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, encodedChunks(t, envs))
	if requests, _ := rc.seen(); requests != 0 {
		t.Errorf("receiver saw %d requests before Commit", requests)
	}
	if err := d.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	d.Abort() // a no-op after Commit
	if _, accepted := rc.seen(); !reflect.DeepEqual(accepted, decoded(t, envs)) {
		t.Errorf("receiver got\n%v\nwant\n%v", accepted, decoded(t, envs))
	}
	if err := d.Commit(ctx); err == nil {
		t.Error("second Commit accepted")
	}
	if requests, _ := rc.seen(); requests != len(envs) {
		t.Errorf("receiver saw %d requests, want %d", requests, len(envs))
	}
}

func TestStackStateAbort(t *testing.T) {
	rc := &receiver{key: testKey}
	s := rc.start(t, testKey)
	d, err := s.Open(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, encodedChunks(t, buildSized(t, 3, "h")))
	d.Abort()
	if err := d.Commit(context.Background()); err == nil {
		t.Error("Commit after Abort accepted")
	}
	if err := d.Add([]byte("{}")); err == nil {
		t.Error("Add after Abort accepted")
	}
	if requests, _ := rc.seen(); requests != 0 {
		t.Errorf("receiver saw %d requests of an aborted delivery", requests)
	}
}

func TestStackStateOpenChecks(t *testing.T) {
	for _, s := range []*StackState{
		{URL: "https://obs.example.com"},
		{URL: "ftp://obs.example.com", APIKey: config.NewSecret(testKey)},
	} {
		if _, err := s.Open(context.Background(), "m"); err == nil {
			t.Errorf("Open of %+v accepted", s)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %q reveals the key", err)
		}
	}
}
