package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stackmap/stackmap/engine/expr"
	"github.com/stackmap/stackmap/engine/retry"
	"github.com/stackmap/stackmap/engine/source"
)

// response is one parsed page.
type response struct {
	doc    any
	body   []byte // the body as received, for records kept as text
	header http.Header
	url    *url.URL
}

// do sends r, retrying transport errors, 408, 429 and 5xx with backoff,
// and returns the parsed body. fail_if runs on it.
func (f *fetcher) do(ctx context.Context, client *http.Client, r *request, in *source.Input) (*response, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		res, retryAfter, err := f.once(ctx, client, r, in)
		if err == nil {
			return res, nil
		}
		var perm *permanentError
		if errors.As(err, &perm) || ctx.Err() != nil {
			return nil, err
		}
		lastErr = err
		if attempt >= f.retry.Attempts {
			if f.retry.Attempts > 1 {
				return nil, fmt.Errorf("%w (gave up after %d attempts)", lastErr, attempt)
			}
			return nil, lastErr
		}
		wait := f.retry.Wait(attempt, retryAfter)
		if in.Logger != nil {
			in.Logger.Debug("retrying", "request", r.method+" "+r.url.Host+r.url.Path, "attempt", attempt, "wait", wait, "error", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (while waiting to retry: %v)", lastErr, ctx.Err())
		case <-t.C:
		}
	}
}

// permanentError is a failure that retrying cannot mend.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// once makes one attempt. retryAfter is the server's Retry-After, if any.
func (f *fetcher) once(ctx context.Context, client *http.Client, r *request, in *source.Input) (*response, time.Duration, error) {
	req, err := r.build(ctx)
	if err != nil {
		return nil, 0, &permanentError{fmt.Errorf("%s: %w", r, err)}
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		err = fmt.Errorf("%s: %w", r, unwrapURLError(err))
		var verify *tls.CertificateVerificationError
		var noExchange *NoExchangeError
		if errors.As(err, &verify) || errors.As(err, &noExchange) {
			// A certificate will not verify on the next try either.
			return nil, 0, &permanentError{err}
		}
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: read the body: %w", r, err)
	}
	if in.Logger != nil {
		in.Logger.Debug("http", "request", r.method+" "+r.url.Host+r.url.Path, "status", resp.StatusCode, "bytes", len(body), "duration", time.Since(start))
	}
	if int64(len(body)) > f.maxBody {
		return nil, 0, &permanentError{fmt.Errorf("%s: the body is larger than max_body (%d bytes); raise max_body or page smaller", r, f.maxBody)}
	}
	ct := resp.Header.Get("Content-Type")
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
	case retry.Status(code):
		return nil, retry.After(resp.Header.Get("Retry-After"), time.Now()), fmt.Errorf("%s: %s: %s", r, resp.Status, snippet(body))
	default:
		return nil, 0, &permanentError{fmt.Errorf("%s: %s: %s", r, resp.Status, snippet(body))}
	}
	doc, err := f.parse(ctx, body)
	if err != nil {
		return nil, 0, &permanentError{fmt.Errorf("%s: %s (%s): %w", r, resp.Status, orNone(ct), err)}
	}
	if f.failIf != nil {
		if msg, failed, err := f.failed(ctx, doc, in.Values); err != nil {
			return nil, 0, &permanentError{fmt.Errorf("%s: fail_if: %w", r, err)}
		} else if failed {
			return nil, 0, &permanentError{fmt.Errorf("%s: the API reported an error: %s", r, msg)}
		}
	}
	return &response{doc: doc, body: body, header: resp.Header, url: req.URL}, 0, nil
}

// parse decodes a body in the source's format. An empty body is an error:
// a dead Nagios daemon answers 200 with nothing.
func (f *fetcher) parse(ctx context.Context, body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("the body is empty, where %s was expected", f.format)
	}
	switch f.format {
	case "ndjson":
		lines := []any{}
		err := source.DecodeNDJSON(ctx, bytes.NewReader(body), func(v any) error {
			lines = append(lines, v)
			return nil
		})
		return lines, err
	case "csv":
		rows := []any{}
		err := source.DecodeCSV(ctx, bytes.NewReader(body), ',', func(v any) error {
			rows = append(rows, v)
			return nil
		})
		return rows, err
	}
	doc, err := expr.DecodeJSON(body)
	if err != nil {
		return nil, fmt.Errorf("expected JSON (%v), got: %s", err, snippet(body))
	}
	return doc, nil
}

// failed runs fail_if on a body.
func (f *fetcher) failed(ctx context.Context, doc any, values []any) (string, bool, error) {
	out, err := f.failIf.All(ctx, doc, values)
	if err != nil {
		return "", false, err
	}
	for _, v := range out {
		if v == nil || v == false {
			continue
		}
		if s, ok := v.(string); ok {
			return s, true, nil
		}
		return "fail_if matched the body: " + expr.Describe(doc, 300), true, nil
	}
	return "", false, nil
}

// linkRel returns the URL of the Link header entry with rel, or "".
func linkRel(headers []string, rel string) string {
	for _, h := range headers {
		for _, part := range splitLinks(h) {
			part = strings.TrimSpace(part)
			end := strings.Index(part, ">")
			if !strings.HasPrefix(part, "<") || end < 0 {
				continue
			}
			target := part[1:end]
			for _, p := range strings.Split(part[end+1:], ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
					if strings.EqualFold(r, rel) {
						return target
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header at the commas between entries, not at
// commas inside <…>.
func splitLinks(h string) []string {
	var parts []string
	depth, start := 0, 0
	for i, c := range h {
		switch c {
		case '<':
			depth++
		case '>':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, h[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, h[start:])
}

// unwrapURLError drops the method and URL that *url.Error repeats, and
// with it any secret the URL held.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func orNone(s string) string {
	if s == "" {
		return "no content type"
	}
	if mt, _, err := mime.ParseMediaType(s); err == nil {
		return mt
	}
	return s
}
