package http

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/stackmap/stackmap/engine/expr"
	"github.com/stackmap/stackmap/engine/source"
)

// request is one HTTP request, ready to be sent as often as retries need.
type request struct {
	method string
	url    *url.URL
	header http.Header
	body   []byte
}

// withQuery returns a copy with the query parameters in kv set.
func (r *request) withQuery(kv map[string]string) *request {
	c := r.clone()
	q := c.url.Query()
	for k, v := range kv {
		q.Set(k, v)
	}
	c.url.RawQuery = q.Encode()
	return c
}

// withURL returns a copy that goes to u (a next page's URL).
func (r *request) withURL(u string) *request {
	c := r.clone()
	if parsed, err := url.Parse(u); err == nil {
		c.url = parsed
	}
	return c
}

func (r *request) clone() *request {
	u := *r.url
	return &request{method: r.method, url: &u, header: r.header.Clone(), body: r.body}
}

// build makes the *http.Request of one attempt.
func (r *request) build(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, r.method, r.url.String(), bytes.NewReader(r.body))
	if err != nil {
		return nil, err
	}
	req.Header = r.header.Clone()
	if r.body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	return req, nil
}

// String names the request in messages: method and URL without
// credentials. Secret values in the URL are left to the run's redactor.
func (r *request) String() string {
	u := *r.url
	u.User = nil
	return r.method + " " + u.String()
}

// request evaluates the templates into the first request of a series.
func (f *fetcher) request(ctx context.Context, client *http.Client, in *source.Input, item any) (*request, error) {
	raw, err := f.url.EvalString(ctx, item, in.Values)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("url %q: the scheme must be http or https", raw)
	}
	q := u.Query()
	for _, p := range f.query {
		v, err := p.val.Eval(ctx, item, in.Values)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", p.name, err)
		}
		vals, err := paramValues(v)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", p.name, err)
		}
		q.Del(p.name)
		for _, s := range vals {
			q.Add(p.name, s)
		}
	}
	u.RawQuery = q.Encode()
	r := &request{method: f.method, url: u, header: http.Header{}}
	r.header.Set("User-Agent", "stackmap")
	r.header.Set("Accept", "application/json")
	if f.format == "csv" {
		r.header.Set("Accept", "text/csv")
	}
	for _, h := range f.headers {
		v, err := evalString(ctx, h.val, item, in.Values, "")
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", h.name, err)
		}
		if v == "" {
			r.header.Del(h.name)
			continue
		}
		r.header.Set(h.name, v)
	}
	var jsonBody any
	if f.body != nil {
		switch f.body.kind {
		case "json":
			if jsonBody, err = f.body.tmpl.Eval(ctx, item, in.Values); err != nil {
				return nil, fmt.Errorf("body json: %w", err)
			}
			if r.header.Get("Content-Type") == "" {
				r.header.Set("Content-Type", "application/json")
			}
		case "form":
			form := url.Values{}
			for _, p := range f.body.form {
				v, err := p.val.Eval(ctx, item, in.Values)
				if err != nil {
					return nil, fmt.Errorf("body form %s: %w", p.name, err)
				}
				vals, err := paramValues(v)
				if err != nil {
					return nil, fmt.Errorf("body form %s: %w", p.name, err)
				}
				for _, s := range vals {
					form.Add(p.name, s)
				}
			}
			r.body = []byte(form.Encode())
			if r.header.Get("Content-Type") == "" {
				r.header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		case "raw":
			s, err := f.body.tmpl.EvalString(ctx, item, in.Values)
			if err != nil {
				return nil, fmt.Errorf("body raw: %w", err)
			}
			r.body = []byte(s)
		}
	}
	if f.auth != nil {
		obj, _ := jsonBody.(map[string]any)
		probe, err := r.build(ctx)
		if err != nil {
			return nil, err
		}
		secret := in.Secret
		if secret == nil {
			secret = func(string) {}
		}
		if err := f.auth.apply(ctx, probe, obj, client, item, in.Values, secret); err != nil {
			return nil, err
		}
		r.header, r.url = probe.Header, probe.URL
	}
	if f.body != nil && f.body.kind == "json" {
		if r.body, err = expr.Marshal(jsonBody); err != nil {
			return nil, fmt.Errorf("body json: %w", err)
		}
	}
	return r, nil
}

// paramValues turns a template's value into the values of a parameter:
// none for null, one per item for a list, the text of anything else.
func paramValues(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case bool:
		return []string{strconv.FormatBool(v)}, nil
	case []any:
		var out []string
		for _, x := range v {
			s, err := paramValues(x)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	case map[string]any:
		return nil, fmt.Errorf("an object cannot be a parameter value; encode it with tojson")
	}
	b, err := expr.Marshal(v)
	return []string{string(b)}, err
}
