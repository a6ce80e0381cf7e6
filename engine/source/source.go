package source

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/stackmap/stackmap/engine/config"
)

// Fetcher reads one source's documents.
type Fetcher interface {
	// Fetch reads the documents and calls emit with each, in order. An
	// error of emit stops the fetch and is returned.
	Fetch(ctx context.Context, in *Input, emit func(doc any) error) error
}

// Input is what a fetch may use.
type Input struct {
	// Values are the values of the variables of the source's Scope, in
	// order, for its templates.
	Values []any
	Logger *slog.Logger
}

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
