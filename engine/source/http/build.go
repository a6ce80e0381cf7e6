package http

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expr"
	"github.com/stackmap/stackmap/engine/retry"
	"github.com/stackmap/stackmap/engine/source"
)

// Defaults of the settings.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultAttempts    = 4
	DefaultInitial     = 500 * time.Millisecond
	DefaultMaxWait     = 30 * time.Second
	DefaultConcurrency = 4
	DefaultMaxBody     = 64 << 20
	DefaultMaxPages    = 1000
)

var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}

func init() {
	source.Register(source.Kind{
		Name:    "http",
		Doc:     "Reads records from an HTTP API: templated requests, auth, TLS, retries, pagination, fan-out and fail_if.",
		NewSpec: func() any { return new(Spec) },
		Build:   build,
	})
}

// fetcher is a compiled http source. It is safe for concurrent use.
type fetcher struct {
	name     string
	method   string
	url      *expr.Template
	query    []param
	headers  []param
	body     *body
	auth     *auth
	timeout  time.Duration
	retry    retry.Policy
	paginate *paginate
	each     *expr.Program
	workers  int
	failIf   *expr.Program
	format   string
	maxBody  int64
	tls      *tls.Config
	insecure bool
	base     http.RoundTripper
}

// param is one templated query parameter or header.
type param struct {
	name string
	val  *expr.Template
}

type body struct {
	kind string // json, form or raw
	tmpl *expr.Template
	form []param
}

type paginate struct {
	kind      string // offset, page, cursor, next_url, link_header
	offset    *Offset
	page      *PageNumber
	param     string
	next      *expr.Program
	rel       string
	maxPages  int
	specified bool
}

func build(s *source.Scope, src *config.Source, specAny any) (source.Fetcher, error) {
	spec := specAny.(*Spec)
	var errs config.ErrorList
	c := compiler{scope: s, errs: &errs}
	f := &fetcher{
		name:    src.Name.Value,
		method:  "GET",
		timeout: spec.Timeout,
		workers: DefaultConcurrency,
		format:  spec.Format,
		maxBody: int64(spec.MaxBody),
		retry:   retry.Policy{Attempts: DefaultAttempts, Initial: DefaultInitial, Max: DefaultMaxWait},
	}
	if m := strings.ToUpper(spec.Method.Value); m != "" {
		if !contains(methods, m) {
			errs.Add(spec.Method.Pos, fmt.Sprintf("method must be one of %s, not %q", strings.Join(methods, ", "), spec.Method.Value))
		}
		f.method = m
	}
	if f.timeout == 0 {
		f.timeout = DefaultTimeout
	}
	if f.format == "" {
		f.format = "json"
	}
	if f.maxBody == 0 {
		f.maxBody = DefaultMaxBody
	}
	if spec.Concurrency != 0 {
		if spec.Concurrency < 1 || spec.Concurrency > 64 {
			errs.Add(spec.Pos, fmt.Sprintf("concurrency must be between 1 and 64, not %d", spec.Concurrency))
		}
		f.workers = spec.Concurrency
	}
	if r := spec.Retry; r != nil {
		if r.Attempts != 0 {
			if r.Attempts < 1 || r.Attempts > 20 {
				errs.Add(spec.Pos, fmt.Sprintf("retry.attempts must be between 1 and 20, not %d", r.Attempts))
			}
			f.retry.Attempts = r.Attempts
		}
		if r.Initial != 0 {
			f.retry.Initial = r.Initial
		}
		if r.Max != 0 {
			f.retry.Max = r.Max
		}
	}
	f.url = c.template(spec.URL)
	f.query = c.params(spec.Query)
	f.headers = c.params(spec.Headers)
	if spec.Each.IsSet() {
		f.each = c.expr(spec.Each)
	}
	if spec.FailIf.IsSet() {
		f.failIf = c.expr(spec.FailIf)
	}
	f.body = c.body(spec.Body)
	f.auth = c.auth(spec.Auth)
	f.paginate = c.paginate(spec.Paginate)
	var err error
	f.tls, f.insecure, err = tlsConfig(src.Dir(), spec.TLS)
	errs.Append(spec.Pos, err)
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = f.tls
	t.MaxIdleConnsPerHost = max(f.workers, 2)
	f.base = t
	return f, errs.Err()
}

// compiler compiles templates and expressions, collecting problems.
type compiler struct {
	scope *source.Scope
	errs  *config.ErrorList
}

func (c compiler) template(t config.Template) *expr.Template {
	if !t.IsSet() {
		return nil
	}
	x, err := c.scope.Template(t)
	c.errs.Append(t.Pos, err)
	return x
}

func (c compiler) expr(e config.Expr) *expr.Program {
	p, err := c.scope.Expr(e)
	c.errs.Append(e.Pos, err)
	return p
}

func (c compiler) params(m map[string]config.Template) []param {
	var out []param
	for _, k := range sortedKeys(m) {
		out = append(out, param{name: k, val: c.template(m[k])})
	}
	return out
}

func (c compiler) body(b *Body) *body {
	if b == nil {
		return nil
	}
	n := 0
	var out *body
	if b.JSON != nil {
		n++
		out = &body{kind: "json", tmpl: c.template(*b.JSON)}
	}
	if b.Form != nil {
		n++
		out = &body{kind: "form", form: c.params(b.Form)}
	}
	if b.Raw != nil {
		n++
		out = &body{kind: "raw", tmpl: c.template(*b.Raw)}
	}
	if n != 1 {
		c.errs.Add(b.Pos, "body takes exactly one of json, form or raw")
	}
	return out
}

func (c compiler) paginate(p *Paginate) *paginate {
	if p == nil {
		return nil
	}
	out := &paginate{maxPages: DefaultMaxPages, specified: true}
	if p.MaxPages != 0 {
		if p.MaxPages < 1 {
			c.errs.Add(p.Pos, fmt.Sprintf("max_pages must be at least 1, not %d", p.MaxPages))
		}
		out.maxPages = p.MaxPages
	}
	n := 0
	if p.Offset != nil {
		n++
		out.kind, out.offset = "offset", p.Offset
		if p.Offset.Limit < 1 {
			c.errs.Add(p.Pos, "paginate.offset.limit must be at least 1")
		}
	}
	if p.Page != nil {
		n++
		out.kind, out.page = "page", p.Page
		if out.page.Start == 0 {
			out.page.Start = 1
		}
	}
	if p.Cursor != nil {
		n++
		out.kind, out.param, out.next = "cursor", p.Cursor.Param, c.expr(p.Cursor.Next)
	}
	if p.NextURL.IsSet() {
		n++
		out.kind, out.next = "next_url", c.expr(p.NextURL)
	}
	if p.LinkHeader != "" {
		n++
		out.kind, out.rel = "link_header", p.LinkHeader
	}
	if n != 1 {
		c.errs.Add(p.Pos, "paginate takes exactly one of offset, page, cursor, next_url or link_header (and max_pages)")
	}
	return out
}

// tlsConfig builds the TLS settings; insecure reports a skipped
// verification.
func tlsConfig(dir string, t *TLS) (*tls.Config, bool, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t == nil {
		return cfg, false, nil
	}
	path := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	cfg.ServerName = t.ServerName
	cfg.InsecureSkipVerify = t.InsecureSkipVerify
	if t.CAFile != "" {
		pem, err := os.ReadFile(path(t.CAFile))
		if err != nil {
			return nil, false, fmt.Errorf("tls.ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, false, fmt.Errorf("tls.ca_file %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, false, fmt.Errorf("tls.cert_file and tls.key_file go together")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(path(t.CertFile), path(t.KeyFile))
		if err != nil {
			return nil, false, fmt.Errorf("tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, t.InsecureSkipVerify, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
