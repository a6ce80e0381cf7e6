package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/stackmap/stackmap/engine/config"
)

// exchange is one recorded request and its response, as a fixture file
// holds it.
type exchange struct {
	Source   string        `json:"source"`
	Request  recordedPart  `json:"request"`
	Response recordedReply `json:"response"`
	used     bool          // replayed already
}

type recordedPart struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

type recordedReply struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
}

// secretHeaders never reach a recording with their values.
var secretHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true}

func headerMap(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	m := map[string]string{}
	for k, v := range h {
		val := strings.Join(v, ", ")
		if secretHeaders[http.CanonicalHeaderKey(k)] || config.SecretName(k) {
			val = config.Redacted
		}
		m[k] = val
	}
	return m
}

func matchKey(source, method, url, body string, redact func(string) string) string {
	return source + "\n" + method + " " + redact(url) + "\n" + redact(body)
}

// Recorder records the HTTP exchanges of a run, for preview --record.
type Recorder struct {
	dir       string
	mu        sync.Mutex
	exchanges []*exchange
}

// NewRecorder returns a recorder that Save writes to dir.
func NewRecorder(dir string) *Recorder { return &Recorder{dir: dir} }

// Wrap is a source.Transport that records every exchange it passes on.
func (rec *Recorder) Wrap(source string, redact func(string) string, next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		var reqBody []byte
		if req.Body != nil && req.GetBody != nil {
			if b, err := req.GetBody(); err == nil {
				reqBody, _ = io.ReadAll(b)
			}
		}
		resp, err := next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		rec.mu.Lock()
		rec.exchanges = append(rec.exchanges, &exchange{
			Source:   source,
			Request:  recordedPart{Method: req.Method, URL: req.URL.String(), Headers: headerMap(req.Header), Body: string(reqBody)},
			Response: recordedReply{Status: resp.StatusCode, Headers: headerMap(resp.Header), Body: string(body)},
		})
		rec.mu.Unlock()
		return resp, nil
	})
}

var fixtureName = regexp.MustCompile(`^\d{4,}-.*\.json$`)

// Save writes the recorded exchanges, with every secret the run knew
// redacted, as dir/NNNN-<source>.json, after removing earlier recordings.
func (rec *Recorder) Save(redact func(string) string) error {
	if err := os.MkdirAll(rec.dir, 0o755); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	old, err := os.ReadDir(rec.dir)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	for _, e := range old {
		if fixtureName.MatchString(e.Name()) {
			if err := os.Remove(filepath.Join(rec.dir, e.Name())); err != nil {
				return fmt.Errorf("record: %w", err)
			}
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, x := range rec.exchanges {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // keep & < > readable in URLs and headers
		enc.SetIndent("", "  ")
		if err := enc.Encode(x); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		text := redact(buf.String())
		name := filepath.Join(rec.dir, fmt.Sprintf("%04d-%s.json", i+1, x.Source))
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			return fmt.Errorf("record: %w", err)
		}
	}
	return nil
}

// Len is the number of exchanges recorded.
func (rec *Recorder) Len() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.exchanges)
}

// Replayer answers requests from recorded exchanges instead of the
// network, for preview --fixtures.
type Replayer struct {
	dir    string
	mu     sync.Mutex
	byKey  map[string][]*exchange
	loaded []*exchange
}

// LoadFixtures reads the exchanges recorded in dir.
func LoadFixtures(dir string) (*Replayer, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	var names []string
	for _, e := range entries {
		if fixtureName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("fixtures: %s holds no recorded exchanges (NNNN-<source>.json); record some with preview --record", dir)
	}
	sort.Strings(names)
	p := &Replayer{dir: dir}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("fixtures: %w", err)
		}
		x := &exchange{}
		if err := json.Unmarshal(b, x); err != nil {
			return nil, fmt.Errorf("fixtures: %s: %w", n, err)
		}
		if x.Source == "" || x.Request.Method == "" || x.Request.URL == "" {
			return nil, fmt.Errorf("fixtures: %s: source, request.method and request.url are required", n)
		}
		p.loaded = append(p.loaded, x)
	}
	return p, nil
}

// Wrap is a source.Transport that answers from the fixtures; next is never
// called.
func (p *Replayer) Wrap(source string, redact func(string) string, _ http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil && req.GetBody != nil {
			if b, err := req.GetBody(); err == nil {
				body, _ = io.ReadAll(b)
			}
		}
		key := matchKey(source, req.Method, req.URL.String(), string(body), redact)
		x := p.take(key, redact)
		if x == nil {
			return nil, &NoExchangeError{Dir: p.dir, Source: source}
		}
		h := http.Header{}
		for k, v := range x.Response.Headers {
			h.Set(k, v)
		}
		return &http.Response{
			Status:     fmt.Sprintf("%d %s", x.Response.Status, http.StatusText(x.Response.Status)),
			StatusCode: x.Response.Status, Header: h, Request: req,
			Body: io.NopCloser(strings.NewReader(x.Response.Body)), ContentLength: int64(len(x.Response.Body)),
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		}, nil
	})
}

// take removes and returns the first unused exchange with key. Keys of
// recorded exchanges are computed with the run's redactor on first use.
func (p *Replayer) take(key string, redact func(string) string) *exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byKey == nil {
		p.byKey = map[string][]*exchange{}
		for _, x := range p.loaded {
			k := matchKey(x.Source, x.Request.Method, x.Request.URL, x.Request.Body, redact)
			p.byKey[k] = append(p.byKey[k], x)
		}
	}
	q := p.byKey[key]
	for len(q) > 0 && q[0].used {
		q = q[1:]
	}
	p.byKey[key] = q
	if len(q) > 0 {
		q[0].used = true
		return q[0]
	}
	// A secret that differs between recording and replay (a password not
	// set now) changes the body: an exchange of the same source, method
	// and URL answers when its body matches with each ****** standing for
	// any text. Never another URL (page 2 is not page 1), never another
	// body (a JSON-RPC call is not another one).
	want := strings.SplitN(key, "\n", 3)
	for _, x := range p.loaded {
		if x.used || x.Source != want[0] || x.Request.Method+" "+redact(x.Request.URL) != want[1] {
			continue
		}
		if wildcard(x.Request.Body).MatchString(want[2]) {
			x.used = true
			return x
		}
	}
	return nil
}

// wildcard matches a recorded body in which ****** stands for any text.
func wildcard(body string) *regexp.Regexp {
	parts := strings.Split(body, config.Redacted)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^(?s:" + strings.Join(parts, ".*?") + ")$")
}

// Unused is the number of recorded exchanges no request asked for: more
// than none means the run differed from the recorded one.
func (p *Replayer) Unused() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, x := range p.loaded {
		if !x.used {
			n++
		}
	}
	return n
}

// Offline is a source.Transport that refuses every request: mapping tests
// run it when they name no fixtures, so that they never reach the network.
func Offline(source string, _ func(string) string, _ http.RoundTripper) http.RoundTripper {
	return roundTripper(func(*http.Request) (*http.Response, error) {
		return nil, &NoExchangeError{Source: source}
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// NoExchangeError is a request the fixtures hold no answer for; retrying
// cannot help.
type NoExchangeError struct{ Dir, Source string }

func (e *NoExchangeError) Error() string {
	if e.Dir == "" {
		return fmt.Sprintf("source %q asks the network, but tests do not reach it; record fixtures with preview --record and name them in the test", e.Source)
	}
	return fmt.Sprintf("no recorded exchange in %s answers this request of source %q; record the fixtures again with preview --record", e.Dir, e.Source)
}
