package intake

import (
	"bytes"
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
// <dir>/<mapping>-0001.json, <mapping>-0002.json and so on, indented for
// people to read. Send creates dir if need be and first removes the files an
// earlier Send of the same mapping wrote, so that a run with fewer chunks
// leaves no stale ones. Each file is written under a temporary name and then
// renamed, so a reader never sees half a file.
func NewDirSink(dir string) Sink {
	return &dirSink{dir: dir}
}

// Send writes envs to the sink's directory.
func (s *dirSink) Send(ctx context.Context, mapping string, envs []Envelope) error {
	if err := checkFileMapping(mapping); err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	if err := s.removeOld(mapping); err != nil {
		return err
	}
	for i := range envs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: %w", i+1, len(envs), mapping, err)
		}
		var buf bytes.Buffer
		if err := EncodeIndent(&buf, &envs[i]); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: %w", i+1, len(envs), mapping, err)
		}
		name := filepath.Join(s.dir, fmt.Sprintf("%s-%04d.json", mapping, i+1))
		if err := writeFile(name, buf.Bytes()); err != nil {
			return fmt.Errorf("write chunk %d of %d of mapping %q: %w", i+1, len(envs), mapping, err)
		}
	}
	return nil
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

// writeFile writes data to a temporary file next to name and renames it to
// name.
func writeFile(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("rename to %s: %w", name, err)
	}
	return nil
}
