package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// Version is the format of state files.
const Version = 1

// State is what one mapping remembers.
type State struct {
	Version int    `json:"version"`
	Mapping string `json:"mapping"`
	// LastSuccess is when the last run that delivered finished.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// Runs and Failures count runs since the state began.
	Runs     int64 `json:"runs"`
	Failures int64 `json:"failures"`
	// Delivered describes the last snapshot delivered.
	Delivered *Snapshot `json:"delivered,omitempty"`
	// User is the value of the mapping's state: expression after its last
	// good run; $state in jq.
	User any `json:"user,omitempty"`
}

// Snapshot describes a delivered snapshot.
type Snapshot struct {
	At         time.Time `json:"at"`
	Components int       `json:"components"`
	Relations  int       `json:"relations"`
	// Digest is a hash of the snapshot's elements, to tell whether a new
	// snapshot changes anything.
	Digest string `json:"digest"`
	// IDs are the component ids, to tell what a shrinking snapshot drops.
	IDs []string `json:"ids,omitempty"`
}

// Store is a directory of state files. It is safe for concurrent use.
type Store struct {
	dir string
	mu  sync.Mutex
}

// Open returns the store in dir, creating the directory.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	return &Store{dir: dir}, nil
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func (s *Store) path(mapping string) (string, error) {
	if !safeName.MatchString(mapping) {
		return "", fmt.Errorf("state: %q cannot name a file", mapping)
	}
	return filepath.Join(s.dir, mapping+".json"), nil
}

// Load returns the state of a mapping; a mapping without state gets an
// empty one. A file that cannot be read is moved aside to
// <mapping>.json.corrupt-<time> and reported in the error, with the empty
// state, so the caller can log it and go on.
func (s *Store) Load(mapping string) (*State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	empty := &State{Version: Version, Mapping: mapping}
	path, err := s.path(mapping)
	if err != nil {
		return empty, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return empty, nil
	}
	if err != nil {
		return empty, fmt.Errorf("state of %s: %w", mapping, err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil || st.Version != Version || st.Mapping != mapping {
		aside := fmt.Sprintf("%s.corrupt-%s", path, time.Now().UTC().Format("20060102T150405Z"))
		if rerr := os.Rename(path, aside); rerr != nil {
			return empty, fmt.Errorf("state of %s is unreadable and could not be set aside: %w", mapping, rerr)
		}
		why := "it is not a state file of this mapping"
		if err != nil {
			why = err.Error()
		}
		return empty, fmt.Errorf("state of %s was unreadable (%s); moved it to %s and started afresh", mapping, why, aside)
	}
	return &st, nil
}

// Save writes the state of its mapping atomically.
func (s *Store) Save(st *State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path, err := s.path(st.Mapping)
	if err != nil {
		return err
	}
	st.Version = Version
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("state of %s: %w", st.Mapping, err)
	}
	return writeAtomic(path, append(b, '\n'))
}

// writeAtomic replaces path with data so that a crash leaves the old file
// or the new one.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
