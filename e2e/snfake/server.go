package snfake

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultLimit is the page size when a request has no sysparm_limit.
const DefaultLimit = 10000

// The user a Server accepts when Config.Users is empty. The password
// appears nowhere in the data, so that redacting it from recordings
// changes nothing else.
const (
	DefaultUser     = "stackmap"
	DefaultPassword = "snfake-Pa55word"
)

// Config configures a Server.
type Config struct {
	// Data is what the instance holds; Default() when nil.
	Data *Data
	// Users maps user names to passwords for Basic auth; DefaultUser
	// with DefaultPassword when empty.
	Users map[string]string
	// BaseURL is the instance URL used in Link headers and reference
	// links, such as https://example.service-now.com; when empty it is
	// taken from the request (https when it came over TLS).
	BaseURL string
	// Latency delays every answer.
	Latency time.Duration
	// Drift makes the rows whose order a query leaves open (all of them
	// without ORDERBY; those with equal ORDERBY values with it) come in an
	// order that changes with sysparm_offset, as on a busy database:
	// paging without a total order then loses and repeats rows. Without
	// Drift, sys_id breaks ties.
	Drift bool
}

// Fault makes matching requests fail or slow down. A request matches when
// its table and page match; page n is the request whose sysparm_offset is
// (n-1)*sysparm_limit.
type Fault struct {
	// Table matches the table of the URL; "" matches every table.
	Table string
	// Page matches the 1-based page; 0 matches every page.
	Page int
	// Times is how many matching requests the fault affects; 0 means all.
	Times int
	// Delay waits before answering (or until the client gives up).
	Delay time.Duration
	// Status answers with this status and ServiceNow's error body instead
	// of the data; 0 answers normally (after Delay).
	Status int
	// Message and Detail fill the error body; defaults depend on Status.
	Message, Detail string
	// RetryAfter sets the Retry-After header, such as "1".
	RetryAfter string
	// Truncate answers 200 with a body cut off in the middle of the
	// result, followed by the "Transaction cancelled" error object, as
	// ServiceNow does when a transaction exceeds its time limit.
	Truncate bool
}

// Request is one request the server answered.
type Request struct {
	At       time.Time // when it arrived
	Method   string
	Path     string
	RawQuery string
	Table    string
	User     string
	Offset   int
	Limit    int
	Page     int
	Status   int
}

// Server is the fake Table API: an http.Handler for
// GET /api/now/table/{table} and GET /api/now/table/{table}/{sys_id}
// (also under /api/now/v1/ and /api/now/v2/). It is safe for concurrent
// use.
type Server struct {
	cfg  Config
	data *Data

	mu       sync.Mutex
	faults   []*Fault
	requests []Request
}

// New returns a server.
func New(cfg Config) *Server {
	if cfg.Data == nil {
		cfg.Data = Default()
	}
	if len(cfg.Users) == 0 {
		cfg.Users = map[string]string{DefaultUser: DefaultPassword}
	}
	return &Server{cfg: cfg, data: cfg.Data}
}

// Data returns the data the server serves.
func (s *Server) Data() *Data { return s.data }

// AddFault adds a fault; the first matching fault with requests left
// applies.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns the requests answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the requests answered so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{At: time.Now(), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		rec.Status = sw.status
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}()
	if s.cfg.Latency > 0 && !sleep(r.Context(), s.cfg.Latency) {
		return
	}
	s.serve(sw, r, &rec)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rec *Request) {
	user, pass, ok := r.BasicAuth()
	if want, known := s.cfg.Users[user]; !ok || !known || want != pass {
		w.Header().Set("WWW-Authenticate", `BASIC realm="Service-now"`)
		writeError(w, http.StatusUnauthorized, "User Not Authenticated", "Required to provide Auth information")
		return
	}
	rec.User = user
	table, id, ok := route(r.URL.Path)
	if !ok {
		writeError(w, http.StatusBadRequest, "Requested URI does not represent any resource", nil)
		return
	}
	rec.Table = table
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Method not Supported", "The fake Table API answers GET only")
		return
	}
	if _, known := s.data.Table(table); !known {
		writeError(w, http.StatusBadRequest, "Invalid table "+table, nil)
		return
	}
	p, err := s.params(r, table)
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			writeError(w, http.StatusBadRequest, pe.message, pe.detail)
			return
		}
		writeError(w, http.StatusBadRequest, "Invalid query", err.Error())
		return
	}
	rec.Offset, rec.Limit, rec.Page = p.offset, p.limit, p.offset/p.limit+1
	if f := s.fault(table, rec.Page); f != nil {
		if f.Delay > 0 && !sleep(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			msg, detail := f.Message, any(f.Detail)
			if msg == "" {
				msg, detail = faultText(f.Status)
			}
			writeError(w, f.Status, msg, detail)
			return
		}
		if f.Truncate {
			s.writeTruncated(w, r, table, p)
			return
		}
	}
	base := s.baseURL(r)
	if id != "" {
		row, found := s.data.Get(table, id)
		if !found || !s.data.Extends(classOf(row, table), table) {
			writeError(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": s.render(table, row, p, base)})
		return
	}
	rows := s.selectRows(table, p)
	total := len(rows)
	page := []map[string]any{}
	for i := p.offset; i < total && i < p.offset+p.limit; i++ {
		page = append(page, s.render(table, rows[i], p, base))
	}
	if !p.noCount {
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
	}
	if !p.suppressLinks {
		if l := linkHeader(base, r.URL.Path, r.URL.RawQuery, p.offset, p.limit, total); l != "" {
			w.Header().Set("Link", l)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": page})
}

// classOf returns the class of a row: its sys_class_name, or the table
// for tables without classes.
func classOf(r Record, table string) string {
	if c := r["sys_class_name"]; c != "" {
		return c
	}
	return table
}

// route splits /api/now[/v1|/v2]/table/{table}[/{sys_id}].
func route(path string) (table, id string, ok bool) {
	rest, found := strings.CutPrefix(path, "/api/now/")
	if !found {
		return "", "", false
	}
	for _, v := range []string{"v1/", "v2/"} {
		rest = strings.TrimPrefix(rest, v)
	}
	rest, found = strings.CutPrefix(rest, "table/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] != "":
		return parts[0], "", true
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return parts[0], parts[1], true
	}
	return "", "", false
}

type params struct {
	offset, limit int
	q             *query
	display       string // "false", "true" or "all"
	noLinks       bool   // sysparm_exclude_reference_link
	fields        []string
	suppressLinks bool // sysparm_suppress_pagination_header
	noCount       bool // sysparm_no_count
}

type paramError struct {
	message string
	detail  any
}

func (e *paramError) Error() string { return e.message }

func (s *Server) params(r *http.Request, table string) (*params, error) {
	v := r.URL.Query()
	p := &params{limit: DefaultLimit, display: "false"}
	if l, set := first(v, "sysparm_limit"); set {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			return nil, &paramError{"Invalid value given for sysparm_limit", "sysparm_limit value must be a positive integer"}
		}
		p.limit = n
	}
	if o, set := first(v, "sysparm_offset"); set && o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 {
			return nil, &paramError{"Invalid value given for sysparm_offset", "sysparm_offset value must be a non-negative integer"}
		}
		p.offset = n
	}
	switch d, _ := first(v, "sysparm_display_value"); strings.ToLower(d) {
	case "true":
		p.display = "true"
	case "all":
		p.display = "all"
	}
	p.noLinks = isTrue(v, "sysparm_exclude_reference_link")
	p.suppressLinks = isTrue(v, "sysparm_suppress_pagination_header")
	p.noCount = isTrue(v, "sysparm_no_count")
	if f, set := first(v, "sysparm_fields"); set && f != "" {
		for _, name := range strings.Split(f, ",") {
			if name = strings.TrimSpace(name); name != "" {
				p.fields = append(p.fields, name)
			}
		}
	}
	qs, _ := first(v, "sysparm_query")
	q, err := s.data.parseQuery(table, qs)
	if err != nil {
		return nil, err
	}
	p.q = q
	return p, nil
}

func first(v map[string][]string, k string) (string, bool) {
	if xs, ok := v[k]; ok && len(xs) > 0 {
		return xs[0], true
	}
	return "", false
}

func isTrue(v map[string][]string, k string) bool {
	x, _ := first(v, k)
	return strings.EqualFold(x, "true")
}

func (s *Server) fault(table string, page int) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if (f.Table != "" && f.Table != table) || (f.Page != 0 && f.Page != page) || f.Times < 0 {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				f.Times = -1 // used up
			}
		}
		c := *f
		return &c
	}
	return nil
}

func faultText(status int) (string, any) {
	switch status {
	case http.StatusTooManyRequests:
		return "Rate limit exceeded", "The rate limit rule for this user was exceeded; retry after the time in Retry-After"
	case http.StatusServiceUnavailable:
		return "Service Unavailable", "The instance is not available"
	case http.StatusInternalServerError:
		return "Internal server error", "An error occurred while processing the request. Check logs for error trace."
	}
	return http.StatusText(status), nil
}

func (s *Server) selectRows(table string, p *params) []Record {
	var rows []Record
	for _, r := range s.data.Rows(table) {
		if s.data.match(table, r, p.q) {
			rows = append(rows, r)
		}
	}
	var tie func(a, b Record) bool
	if s.cfg.Drift {
		salt := strconv.Itoa(p.offset)
		key := func(r Record) string {
			h := sha1.Sum([]byte(salt + "/" + r["sys_id"]))
			return string(h[:])
		}
		tie = func(a, b Record) bool { return key(a) < key(b) }
	}
	s.data.sortRows(table, rows, p.q, tie)
	return rows
}

// render shapes one row as the Table API does for the request's
// sysparm_display_value, sysparm_exclude_reference_link and
// sysparm_fields.
func (s *Server) render(table string, r Record, p *params, base string) map[string]any {
	fields := p.fields
	if len(fields) == 0 {
		for _, f := range s.data.Fields(table) {
			fields = append(fields, f.Name)
		}
	}
	out := make(map[string]any, len(fields))
	for _, path := range fields {
		f, v, ok := s.data.lookup(table, r, path)
		if !ok {
			continue // ServiceNow leaves out fields the table does not have
		}
		val, disp := value(f, v), s.data.display(f, v)
		link := ""
		if f.Kind == Reference && v != "" && !p.noLinks {
			link = base + "/api/now/table/" + f.Ref + "/" + v
		}
		switch p.display {
		case "all":
			m := map[string]any{"display_value": disp, "value": val}
			if link != "" {
				m["link"] = link
			}
			out[path] = m
		case "true":
			if link != "" {
				out[path] = map[string]any{"display_value": disp, "link": link}
			} else {
				out[path] = disp
			}
		default:
			if link != "" {
				out[path] = map[string]any{"link": link, "value": val}
			} else {
				out[path] = val
			}
		}
	}
	return out
}

func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimSuffix(s.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// linkHeader builds the Link header ServiceNow sends with a page: the
// request's own query (as sent, without sysparm_offset and
// sysparm_limit) followed by sysparm_offset and sysparm_limit, for
// rel="first", "prev" (after the first page), "next" (when rows follow)
// and "last", separated by commas without spaces. A result that fits in
// one page, asked for at offset 0, gets no Link header.
func linkHeader(base, path, rawQuery string, offset, limit, total int) string {
	if offset == 0 && total <= limit {
		return ""
	}
	var keep []string
	for _, kv := range strings.Split(rawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if kv == "" || k == "sysparm_offset" || k == "sysparm_limit" {
			continue
		}
		keep = append(keep, kv)
	}
	at := func(o int) string {
		q := append(append([]string(nil), keep...), "sysparm_offset="+strconv.Itoa(o), "sysparm_limit="+strconv.Itoa(limit))
		return "<" + base + path + "?" + strings.Join(q, "&") + ">"
	}
	last := 0
	if total > 0 {
		last = (total - 1) / limit * limit
	}
	links := []string{at(0) + `;rel="first"`}
	if offset > 0 {
		links = append(links, at(max(0, offset-limit))+`;rel="prev"`)
	}
	if offset+limit < total {
		links = append(links, at(offset+limit)+`;rel="next"`)
	}
	links = append(links, at(last)+`;rel="last"`)
	return strings.Join(links, ",")
}

// writeTruncated answers 200 with the start of the page cut off in the
// middle, then the error object ServiceNow appends when it cancels a
// transaction that ran too long: the body is not valid JSON.
func (s *Server) writeTruncated(w http.ResponseWriter, r *http.Request, table string, p *params) {
	rows := s.selectRows(table, p)
	var first []map[string]any
	if p.offset < len(rows) {
		first = append(first, s.render(table, rows[p.offset], p, s.baseURL(r)))
	}
	b, _ := json.Marshal(map[string]any{"result": first})
	cut := b[:len(b)*2/3]
	body := string(cut) + `"",{"error":{"message":"Transaction cancelled: maximum execution time exceeded","detail":"Transaction cancelled: maximum execution time exceeded. Check logs for error trace."},"status":"failure"}`
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header()["Date"] = nil
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
}

// writeError writes ServiceNow's error body:
// {"error":{"message":…,"detail":…},"status":"failure"}.
func writeError(w http.ResponseWriter, status int, message string, detail any) {
	writeJSON(w, status, map[string]any{
		"error":  map[string]any{"message": message, "detail": detail},
		"status": "failure",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("snfake: encode: %v", err))
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	// No Date header, so that recordings of the same data are the same
	// bytes.
	w.Header()["Date"] = nil
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
