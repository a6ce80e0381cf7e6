package intake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// dirSink writes envelopes to files in a directory.
type dirSink struct {
	dir string
}

// NewDirSink returns a sink that writes the envelopes of a mapping to
// <dir>/<mapping>-0001.json, <mapping>-0002.json and so on, each file
// holding exactly the bytes that would be posted: the envelope as compact
// JSON and a newline. Open creates dir if need be. Add writes each envelope
// straight to a temporary file in dir, so that memory does not grow with
// the batch; Commit removes the files an earlier run of the same mapping
// wrote, so that a run with fewer chunks leaves no stale ones, and renames
// the temporary files to their names in order, so that a reader never sees
// half a file. Abort removes the temporary files and leaves the earlier
// run's files as they were.
func NewDirSink(dir string) Sink {
	return &dirSink{dir: dir}
}

// Open checks that mapping can name files and creates the directory.
func (s *dirSink) Open(_ context.Context, mapping string) (Delivery, error) {
	if err := checkFileMapping(mapping); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	return &dirDelivery{sink: s, mapping: mapping}, nil
}

// dirDelivery is a delivery of a dirSink.
type dirDelivery struct {
	sink    *dirSink
	mapping string
	temps   []string // the temporary files, in order
	over    bool
}

// Add writes the envelope and a newline to a new temporary file.
func (d *dirDelivery) Add(parts ...[]byte) error {
	n := len(d.temps) + 1
	if d.over {
		return fmt.Errorf("write chunk %d of mapping %q: %w", n, d.mapping, errDeliveryOver)
	}
	tmp, err := writeTemp(d.sink.dir, fmt.Sprintf(".%s-%04d.json.*.tmp", d.mapping, n), parts)
	if err != nil {
		return fmt.Errorf("write chunk %d of mapping %q: %w", n, d.mapping, err)
	}
	d.temps = append(d.temps, tmp)
	return nil
}

// Commit replaces the mapping's files by the temporary ones.
func (d *dirDelivery) Commit(ctx context.Context) error {
	if d.over {
		return fmt.Errorf("write chunks of mapping %q: %w", d.mapping, errDeliveryOver)
	}
	d.over = true
	defer d.removeTemps()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write chunks of mapping %q: %w", d.mapping, err)
	}
	if err := d.sink.removeOld(d.mapping); err != nil {
		return err
	}
	for i, tmp := range d.temps {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: %w", i+1, len(d.temps), d.mapping, err)
		}
		name := filepath.Join(d.sink.dir, fmt.Sprintf("%s-%04d.json", d.mapping, i+1))
		if err := os.Rename(tmp, name); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: rename to %s: %w", i+1, len(d.temps), d.mapping, name, err)
		}
		d.temps[i] = ""
	}
	return nil
}

// Abort removes the temporary files.
func (d *dirDelivery) Abort() {
	d.over = true
	d.removeTemps()
}

// removeTemps removes the temporary files not renamed.
func (d *dirDelivery) removeTemps() {
	for _, tmp := range d.temps {
		if tmp != "" {
			os.Remove(tmp)
		}
	}
	d.temps = nil
}

// removeOld removes the chunk files of mapping from the sink's directory.
func (s *dirSink) removeOld(mapping string) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("list output directory: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !isChunkFile(e.Name(), mapping) {
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove earlier chunk: %w", err)
		}
	}
	return nil
}

// isChunkFile reports whether name is <mapping>-NNNN.json, with four or more
// digits.
func isChunkFile(name, mapping string) bool {
	rest, ok := strings.CutPrefix(name, mapping+"-")
	if !ok {
		return false
	}
	digits, ok := strings.CutSuffix(rest, ".json")
	if !ok || len(digits) < 4 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkFileMapping fails unless mapping can name files inside the directory.
func checkFileMapping(mapping string) error {
	if mapping == "" || mapping == "." || mapping == ".." || strings.ContainsAny(mapping, `/\`) || strings.ContainsRune(mapping, 0) {
		return fmt.Errorf("mapping name %q cannot name a file", mapping)
	}
	return nil
}

// writeTemp writes data and a newline to a new file in dir named by
// pattern, as os.CreateTemp names it, readable by all, and returns its
// name.
func writeTemp(dir, pattern string, parts [][]byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(tmp)
		return "", err
	}
	for _, p := range append(parts[:len(parts):len(parts)], newline) {
		if _, err := f.Write(p); err != nil {
			return fail(fmt.Errorf("write %s: %w", tmp, err))
		}
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(fmt.Errorf("chmod %s: %w", tmp, err))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("close %s: %w", tmp, err)
	}
	return tmp, nil
}
