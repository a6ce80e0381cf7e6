package source

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"sync"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expr"
)

// Fetcher reads one source's documents.
type Fetcher interface {
	// Fetch reads the documents, turns each into records with in.Records
	// and hands them to in.Emit in order. An error of either stops the
	// fetch and is returned.
	Fetch(ctx context.Context, in *Input) error
}

// Input is what a fetch may use.
type Input struct {
	// Source is the source's name.
	Source string
	// Values are the values of the variables of the source's Scope, in
	// order, for its templates.
	Values []any
	// Records turns one document into records with the source's records
	// expression. It is safe for concurrent use.
	Records func(ctx context.Context, doc any) ([]any, error)
	// Emit adds the records of one document. Call it in document order,
	// from one goroutine at a time.
	Emit func(records []any) error
	// Split, when set, splits a JSON document given as its text into the
	// text of its records, where the records expression allows it (a
	// plain path such as .result[]) and the text is valid JSON; else it
	// returns false and the document must be decoded and run through
	// Records. Records split off stay text until a rule reads them, so a
	// large export is held once, compactly. It is safe for concurrent use.
	Split func(data []byte) ([][]byte, bool)
	// EmitRaw adds the records of one document as Split returned them,
	// like Emit; they keep referring to the document's text, which the
	// caller must not change afterwards.
	EmitRaw func(records [][]byte) error
	// Alloc, when set, returns a zeroed buffer of n bytes that lives until
	// the run ends, for a document the source hands to JSON whole: the run
	// may keep it outside the Go heap. The buffer must not be used after
	// the run; nil means make.
	Alloc func(n int) []byte
	// Map, when set, maps the first size bytes of the regular file f
	// read-only for as long as Alloc's buffers live, and returns them, for
	// a document the source hands to JSON whole; false means read it. The
	// text is the file's: a file that changes while the run reads it fails
	// the run (see mapping.Plan.Run).
	Map func(f *os.File, size int) ([]byte, bool)
	// Secret marks a value found at run time, such as a token, as secret:
	// it is redacted from errors, logs and recordings.
	Secret func(string)
	// Redact replaces the secrets known so far in s.
	Redact func(string) string
	// Transport, when set, wraps the network transport of sources that
	// speak HTTP: it records exchanges, or replays recorded ones instead
	// of going to the network.
	Transport Transport
	Logger    *slog.Logger
}

// Buffer returns a buffer of n bytes from Alloc, or a new slice.
func (in *Input) Buffer(n int) []byte {
	if in.Alloc != nil {
		return in.Alloc(n)
	}
	return make([]byte, n)
}

// JSON adds the records of one JSON document given as its text: split by
// Split and added by EmitRaw where it can, else decoded and run through
// Records and Emit. Invalid JSON fails with a *JSONError.
func (in *Input) JSON(ctx context.Context, data []byte) error {
	if in.Split != nil && in.EmitRaw != nil {
		if raw, ok := in.Split(data); ok {
			return in.EmitRaw(raw)
		}
	}
	doc, err := expr.DecodeJSON(data)
	if err != nil {
		return &JSONError{Err: err}
	}
	recs, err := in.Records(ctx, doc)
	if err != nil {
		return err
	}
	return in.Emit(recs)
}

// JSONError is a document Input.JSON could not decode; Err is the error of
// expr.DecodeJSON.
type JSONError struct{ Err error }

func (e *JSONError) Error() string { return e.Err.Error() }
func (e *JSONError) Unwrap() error { return e.Err }

// Kind is a kind of source, such as file or http.
type Kind struct {
	// Name is the key that selects the kind in a mapping.
	Name string
	// Doc describes the kind in one sentence, for the JSON Schema.
	Doc string
	// NewSpec returns a pointer to a new settings struct, which the mapping
	// loader decodes strictly from the kind's YAML block.
	NewSpec func() any
	// Build makes a fetcher from decoded settings. Problems are returned as
	// config errors with positions.
	Build func(s *Scope, src *config.Source, spec any) (Fetcher, error)
}

// Transport wraps the transport of one source's HTTP client; redact hides
// the run's secrets, for recordings and for matching replayed requests.
type Transport func(source string, redact func(string) string, next http.RoundTripper) http.RoundTripper

var (
	mu    sync.RWMutex
	kinds = map[string]Kind{}
)

// Register adds a kind of source; it panics on a duplicate name.
func Register(k Kind) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := kinds[k.Name]; dup {
		panic(fmt.Sprintf("source: kind %q registered twice", k.Name))
	}
	kinds[k.Name] = k
}

// Lookup returns the kind named name.
func Lookup(name string) (Kind, bool) {
	mu.RLock()
	defer mu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// Kinds returns the names of the registered kinds, sorted.
func Kinds() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
