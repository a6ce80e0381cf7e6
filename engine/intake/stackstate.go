package intake

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/retry"
)

// DefaultUserAgent is the User-Agent of a StackState sink that names none.
const DefaultUserAgent = "stackmap"

// DefaultTimeout bounds one POST of the default client.
const DefaultTimeout = 60 * time.Second

// StackState is a sink that posts envelopes to a StackState receiver. Its
// zero fields have defaults, so a literal with URL and APIKey works; it is
// safe for concurrent use.
type StackState struct {
	// URL is the receiver in any form IntakeURL accepts; it must not carry
	// the API key.
	URL string
	// APIKey is sent in the sts-api-key header and the api_key parameter.
	APIKey config.Secret
	// Client posts the envelopes; nil means a client with DefaultTimeout
	// that does not follow redirects, so that the key does not follow them.
	Client *http.Client
	// UserAgent is the User-Agent header; empty means DefaultUserAgent.
	UserAgent string
	// Logger receives a debug line per chunk and a warning per retry; nil
	// means no logging.
	Logger *slog.Logger
	// Retry is how chunks are retried after transport errors, 408, 429 and
	// 5xx; the zero value means DefaultRetry. Other answers are final.
	Retry retry.Policy
	// OnRetry, when set, is called before every retry, for metrics.
	OnRetry func()
	// OnSent, when set, is told the size of every chunk the receiver took.
	OnSent func(bytes int)
}

// DefaultRetry is the retry policy of a sink that sets none: five tries,
// waits from 1s doubling to at most 30s, Retry-After honoured.
var DefaultRetry = retry.Policy{Attempts: 5, Initial: time.Second, Max: 30 * time.Second}

// NewStackState returns a sink that posts to the receiver rawURL names, in
// any form IntakeURL accepts, with the API key key.
func NewStackState(rawURL string, key config.Secret) (*StackState, error) {
	u, err := IntakeURL(rawURL)
	if err != nil {
		return nil, err
	}
	if key.IsZero() {
		return nil, errors.New("receiver api key is empty")
	}
	return &StackState{URL: u, APIKey: key}, nil
}

// defaultClient is the client of a sink whose Client is nil.
var defaultClient = &http.Client{
	Timeout: DefaultTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// Open checks the sink's URL and key and starts a delivery of mapping.
// Add compresses every envelope at once and keeps only the compressed
// bytes; Commit posts them to the receiver one after the other and stops
// at the first chunk that fails for good, so that the envelope that stops a
// snapshot is never sent after a lost one. Transport errors, 408, 429 and
// 5xx are retried by s.Retry; a chunk the receiver answers otherwise with a
// status other than 2xx fails at once with a *StatusError.
func (s *StackState) Open(_ context.Context, mapping string) (Delivery, error) {
	endpoint, err := IntakeURL(s.URL)
	if err != nil {
		return nil, err
	}
	if s.APIKey.IsZero() {
		return nil, errors.New("receiver api key is empty")
	}
	return &stackStateDelivery{sink: s, mapping: mapping, endpoint: endpoint}, nil
}

// stackStateDelivery is a delivery of a StackState sink.
type stackStateDelivery struct {
	sink     *StackState
	mapping  string
	endpoint string
	// bodies holds the compressed envelopes, each in a buffer of its own:
	// one growing buffer would be copied over and over.
	bodies [][]byte
	over   bool
}

// Add compresses the envelope, with the newline Encode ends an envelope
// with, and keeps the result.
func (d *stackStateDelivery) Add(parts ...[]byte) error {
	if d.over {
		return fmt.Errorf("compress chunk %d: %w", len(d.bodies)+1, errDeliveryOver)
	}
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	var body bytes.Buffer
	body.Grow(size/4 + 64) // JSON compresses 5 to 10 times at the fastest level
	if err := gzipChunk(&body, parts); err != nil {
		return fmt.Errorf("compress chunk %d: %w", len(d.bodies)+1, err)
	}
	d.bodies = append(d.bodies, body.Bytes())
	return nil
}

// Commit posts the compressed envelopes in order.
func (d *stackStateDelivery) Commit(ctx context.Context) error {
	if d.over {
		return fmt.Errorf("send chunks: %w", errDeliveryOver)
	}
	d.over = true
	defer d.drop()
	s := d.sink
	target := withAPIKey(d.endpoint, s.APIKey.Reveal())
	for i, body := range d.bodies {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("send chunk %d of %d: %w", i+1, len(d.bodies), err)
		}
		if err := s.postRetrying(ctx, target, d.endpoint, body, i+1, len(d.bodies), d.mapping); err != nil {
			return err
		}
	}
	return nil
}

// Abort drops the compressed envelopes.
func (d *stackStateDelivery) Abort() {
	d.over = true
	d.drop()
}

// drop releases the compressed envelopes.
func (d *stackStateDelivery) drop() { d.bodies = nil }

// postRetrying posts one chunk, retrying what the policy allows.
func (s *StackState) postRetrying(ctx context.Context, target, endpoint string, body []byte, chunk, chunks int, mapping string) error {
	policy := s.Retry
	if policy.Attempts == 0 {
		policy = DefaultRetry
	}
	for attempt := 1; ; attempt++ {
		err := s.post(ctx, target, endpoint, body, chunk, chunks, mapping)
		if err == nil {
			return nil
		}
		var serr *StatusError
		isStatus := errors.As(err, &serr)
		if ctx.Err() != nil || isStatus && !retry.Status(serr.StatusCode) || attempt >= policy.Attempts {
			if attempt > 1 {
				return fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return err
		}
		var after time.Duration
		if isStatus {
			after = serr.RetryAfter
		}
		wait := policy.Wait(attempt, after)
		s.logger().WarnContext(ctx, "retrying a chunk", "mapping", mapping, "chunk", chunk, "chunks", chunks, "attempt", attempt, "wait", wait, "error", err)
		if s.OnRetry != nil {
			s.OnRetry()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (stopped while waiting to retry: %v)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// post sends one compressed envelope to target, which carries the key;
// endpoint is target without it, for messages.
func (s *StackState) post(ctx context.Context, target, endpoint string, body []byte, chunk, chunks int, mapping string) error {
	key := s.APIKey.Reveal()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("post chunk %d of %d to %s: %w", chunk, chunks, endpoint, stripURL(err, key))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("sts-api-key", key)
	req.Header.Set("User-Agent", cmp.Or(s.UserAgent, DefaultUserAgent))

	client := s.Client
	if client == nil {
		client = defaultClient
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post chunk %d of %d to %s: %w", chunk, chunks, endpoint, stripURL(err, key))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, bodySnippetSize))
	// Drain a little more so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))

	s.logger().DebugContext(ctx, "sent chunk",
		"mapping", mapping, "chunk", chunk, "chunks", chunks,
		"bytes", len(body), "status", resp.StatusCode,
		"url", endpoint, "elapsed", time.Since(start))

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if s.OnSent != nil {
			s.OnSent(len(body))
		}
		return nil
	}
	status := resp.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	serr := &StatusError{
		StatusCode: resp.StatusCode,
		Status:     status,
		Chunk:      chunk,
		Chunks:     chunks,
		Body:       redact(oneLine(snippet), keyForms(key)...),
	}
	serr.RetryAfter = retry.After(resp.Header.Get("Retry-After"), time.Now())
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		serr.Location = redact(redactRawURL(loc), keyForms(key)...)
	}
	return serr
}

// logger returns the sink's logger, or one that discards.
func (s *StackState) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// gzipLevel is the compression level of the bodies: the fastest. On an
// envelope of 10 000 components it takes 60% of the default level's time
// and makes a body of 5.4% of the JSON instead of 4.4% (BenchmarkGzip).
const gzipLevel = gzip.BestSpeed

// gzipWriters holds gzip writers for reuse, since each holds large tables.
var gzipWriters = sync.Pool{New: func() any {
	zw, err := gzip.NewWriterLevel(io.Discard, gzipLevel)
	if err != nil {
		panic(err) // the level is a valid constant
	}
	return zw
}}

// gzipChunk appends to dst one gzip member holding the parts of an
// envelope and a newline.
func gzipChunk(dst *bytes.Buffer, parts [][]byte) error {
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(dst)
	for _, p := range append(parts[:len(parts):len(parts)], newline) {
		if _, err := zw.Write(p); err != nil {
			return fmt.Errorf("gzip envelope: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip envelope: %w", err)
	}
	zw.Reset(io.Discard) // let go of dst
	return nil
}

// withAPIKey returns endpoint with the api_key parameter added.
func withAPIKey(endpoint, key string) string {
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	return endpoint + sep + "api_key=" + url.QueryEscape(key)
}

// stripURL returns err without the URL a *url.Error adds, since that URL
// carries the key, and with the key redacted from whatever remains.
func stripURL(err error, key string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &redactedError{err: err, secrets: keyForms(key)}
}

// redactRawURL returns raw with its api_key redacted, or raw itself when it
// does not parse.
func redactRawURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return redactURL(u)
}

// oneLine returns b as valid UTF-8 text on one line.
func oneLine(b []byte) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
}

// Probe asks the receiver for its features (GET /stsAgent/features) with
// the API key: a start-up check of the URL and the key. A receiver too old
// to know the endpoint (404) passes.
func (s *StackState) Probe(ctx context.Context) error {
	endpoint, err := IntakeURL(s.URL)
	if err != nil {
		return err
	}
	features := strings.TrimSuffix(strings.TrimSuffix(endpoint, "/"), "/intake") + "/features"
	key := s.APIKey.Reveal()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, withAPIKey(features, key), nil)
	if err != nil {
		return fmt.Errorf("probe %s: %w", features, stripURL(err, key))
	}
	req.Header.Set("sts-api-key", key)
	req.Header.Set("User-Agent", cmp.Or(s.UserAgent, DefaultUserAgent))
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", features, stripURL(err, key))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, bodySnippetSize))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300, resp.StatusCode == http.StatusNotFound:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("probe %s: %s: the API key is not accepted", features, resp.Status)
	}
	return fmt.Errorf("probe %s: %s: %s", features, resp.Status, redact(oneLine(body), keyForms(key)...))
}
