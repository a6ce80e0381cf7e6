package cmdb

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// The credentials a Server accepts with basic auth.
const (
	User     = "bench"
	Password = "bench-password"
)

// The tables a Server answers for, under /api/now/table/.
const (
	CITable  = "cmdb_ci"
	RelTable = "cmdb_rel_ci"
)

// DefaultLimit is the page size of a request without sysparm_limit, the
// Table API's default.
const DefaultLimit = 10000

// Server answers the ServiceNow Table API's GET /api/now/table/cmdb_ci and
// /api/now/table/cmdb_rel_ci from a generated export, with offset
// pagination (sysparm_offset, sysparm_limit) and basic auth (User,
// Password). It holds the two files in memory as they were read and
// answers a page by writing the bytes of its records as they are in the
// file, between {"result":[ and ]}: nothing is decoded or encoded while
// serving. It is safe for concurrent use.
type Server struct {
	tables map[string]*table
	// unauthorized counts the requests refused for want of credentials.
	unauthorized atomic.Int64
}

// table is one file of an export and where its records are.
type table struct {
	data []byte
	// start[i] and end[i] delimit record i in data. Records i…j are the
	// contiguous bytes data[start[i]:end[j]], commas between them included.
	start, end []int
	// pages counts the pages served (responses with status 200).
	pages atomic.Int64
}

// NewServer reads the export in dir (CIFile and RelFile, as Generate writes
// them) once and splits each file into its records.
func NewServer(dir string) (*Server, error) {
	s := &Server{tables: map[string]*table{}}
	for name, file := range map[string]string{CITable: CIFile, RelTable: RelFile} {
		path := filepath.Join(dir, file)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cmdb: %w", err)
		}
		t := &table{data: data}
		if t.start, t.end, err = splitRecords(data); err != nil {
			return nil, fmt.Errorf("cmdb: %s: %w", path, err)
		}
		s.tables[name] = t
	}
	return s, nil
}

// Records returns the number of records of table (CITable or RelTable),
// or 0 for another name.
func (s *Server) Records(table string) int {
	if t := s.tables[table]; t != nil {
		return len(t.start)
	}
	return 0
}

// Pages returns how many pages of table (CITable or RelTable) the server
// has served, counting every response with status 200, empty pages too.
func (s *Server) Pages(table string) int64 {
	if t := s.tables[table]; t != nil {
		return t.pages.Load()
	}
	return 0
}

// Unauthorized returns how many requests the server refused with 401.
func (s *Server) Unauthorized() int64 {
	return s.unauthorized.Load()
}

// ServeHTTP answers one Table API request. Its errors are those of
// ServiceNow: a JSON body {"error":{"message":…,"detail":…},"status":"failure"},
// 401 without the right credentials, 400 for a table it does not hold or a
// sysparm_limit or sysparm_offset that is not a number, 404 for a path
// outside /api/now/table/ and 405 for a method other than GET or HEAD.
// Other query parameters are ignored, except that sysparm_display_value
// other than false is refused (400): the export holds stored values only.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, password, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(User)) != 1 ||
		subtle.ConstantTimeCompare([]byte(password), []byte(Password)) != 1 {
		s.unauthorized.Add(1)
		w.Header().Set("WWW-Authenticate", `BASIC realm="Service-now"`)
		writeError(w, http.StatusUnauthorized, "User Not Authenticated", "Required to provide Auth information")
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/api/now/table/")
	if !ok || name == "" || strings.Contains(name, "/") {
		writeError(w, http.StatusNotFound, "Requested URI does not represent any resource", "")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "Method not Supported", "this server answers GET only")
		return
	}
	t := s.tables[name]
	if t == nil {
		writeError(w, http.StatusBadRequest, "Invalid table "+name, "")
		return
	}
	q := r.URL.Query()
	if v := q.Get("sysparm_display_value"); v != "" && v != "false" {
		writeError(w, http.StatusBadRequest, "Invalid value for sysparm_display_value: "+v,
			"this server holds stored values only; leave sysparm_display_value out or set it to false")
		return
	}
	limit, ok := param(w, q, "sysparm_limit", DefaultLimit)
	if !ok {
		return
	}
	offset, ok := param(w, q, "sysparm_offset", 0)
	if !ok {
		return
	}

	total := len(t.start)
	first := min(offset, total)
	last := min(offset, total-limit) + limit // offset+limit without overflow, at most total
	var records []byte
	if first < last {
		records = t.data[t.start[first]:t.end[last-1]]
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(pagePrefix)+len(records)+len(pageSuffix)))
	h.Set("X-Total-Count", strconv.Itoa(total))
	if link := links(r, offset, limit, total); link != "" {
		h.Set("Link", link)
	}
	t.pages.Add(1)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// Three writes: a large one goes to the connection without a copy.
	for _, b := range [][]byte{pagePrefix, records, pageSuffix} {
		if _, err := w.Write(b); err != nil {
			return
		}
	}
}

// The bytes around a page's records.
var (
	pagePrefix = []byte(`{"result":[`)
	pageSuffix = []byte(`]}`)
)

// param returns the query parameter name as a number of 0 or more, or def
// when it is absent or empty. Any other value is answered with 400, and ok
// is false.
func param(w http.ResponseWriter, q url.Values, name string, def int) (n int, ok bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		writeError(w, http.StatusBadRequest, "Invalid value for "+name+": "+v, "a number of 0 or more")
		return 0, false
	}
	return n, true
}

// links returns the Link header ServiceNow sends with a page: the first,
// previous, next and last pages, each with the request's other parameters.
func links(r *http.Request, offset, limit, total int) string {
	if limit == 0 {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path}
	q := r.URL.Query()
	q.Set("sysparm_limit", strconv.Itoa(limit))
	link := func(off int, rel string) string {
		q.Set("sysparm_offset", strconv.Itoa(off))
		u.RawQuery = q.Encode()
		return "<" + u.String() + `>;rel="` + rel + `"`
	}
	lastOffset := 0
	if total > 0 {
		lastOffset = (total - 1) / limit * limit
	}
	parts := []string{link(0, "first")}
	if offset > 0 {
		parts = append(parts, link(max(offset-limit, 0), "prev"))
	}
	if offset < total-limit {
		parts = append(parts, link(offset+limit, "next"))
	}
	parts = append(parts, link(lastOffset, "last"))
	return strings.Join(parts, ",")
}

// writeError answers with status and ServiceNow's error body. An empty
// detail is null.
func writeError(w http.ResponseWriter, status int, message, detail string) {
	body := struct {
		Error struct {
			Message string  `json:"message"`
			Detail  *string `json:"detail"`
		} `json:"error"`
		Status string `json:"status"`
	}{Status: "failure"}
	body.Error.Message = message
	if detail != "" {
		body.Error.Detail = &detail
	}
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, message, status)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// splitRecords finds the records of a table, {"result":[…]}: the start and
// end (exclusive) in data of each element of the top-level object's result
// array. Every element must be an object.
func splitRecords(data []byte) (start, end []int, err error) {
	if !json.Valid(data) {
		return nil, nil, fmt.Errorf("not valid JSON")
	}
	// data is valid JSON from here on, so the scan needs no bounds checks
	// beyond the ones the shape of JSON gives.
	i := skipSpace(data, 0)
	if data[i] != '{' {
		return nil, nil, fmt.Errorf("not a JSON object")
	}
	i++
	for {
		i = skipSpace(data, i)
		if data[i] == '}' {
			return nil, nil, fmt.Errorf("no result array")
		}
		keyEnd := skipString(data, i)
		key := data[i:keyEnd]
		i = skipSpace(data, keyEnd) + 1 // the colon
		i = skipSpace(data, i)
		if string(key) == `"result"` {
			break
		}
		i = skipSpace(data, skipValue(data, i))
		if data[i] == ',' {
			i++
		}
	}
	if data[i] != '[' {
		return nil, nil, fmt.Errorf("result is not an array")
	}
	i++
	for {
		i = skipSpace(data, i)
		if data[i] == ']' {
			return start, end, nil
		}
		if data[i] != '{' {
			return nil, nil, fmt.Errorf("result[%d] is not an object", len(start))
		}
		start = append(start, i)
		i = skipValue(data, i)
		end = append(end, i)
		i = skipSpace(data, i)
		if data[i] == ',' {
			i++
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just after the valid JSON string that
// starts at i.
func skipString(data []byte, i int) int {
	i++
	for {
		j := bytes.IndexAny(data[i:], `"\`)
		i += j
		if data[i] == '"' {
			return i + 1
		}
		i += 2 // a backslash and the byte it escapes
	}
}

// skipValue returns the index just after the valid JSON value that starts
// at i.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
	default: // a number, true, false or null
		for ; i < len(data); i++ {
			switch data[i] {
			case ',', ']', '}', ' ', '\t', '\r', '\n':
				return i
			}
		}
		return i
	}
}
