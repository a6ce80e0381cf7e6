package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expr"
	"github.com/stackmap/stackmap/engine/source"
	"go.yaml.in/yaml/v3"
)

// Spec is the file source's settings.
type Spec struct {
	Path      config.Template `yaml:"path" required:"true" doc:"The file to read, relative to the mapping file; a template, so {{ $vars.dir }}/servers.json works." example:"\"data/servers.json\""`
	Format    string          `yaml:"format" enum:"json,ndjson,yaml,csv" doc:"json, ndjson, yaml or csv. Default: from the file's extension (.json, .ndjson/.jsonl, .yaml/.yml, .csv)." example:"\"csv\""`
	Delimiter config.String   `yaml:"delimiter" doc:"CSV field delimiter, one character. Default: a comma." example:"\";\""`
}

func init() {
	source.Register(source.Kind{
		Name:    "file",
		Doc:     "Reads records from a JSON, NDJSON, YAML or CSV file.",
		NewSpec: func() any { return new(Spec) },
		Build:   build,
	})
}

type fetcher struct {
	dir       string
	path      *expr.Template
	format    string
	delimiter rune
}

var extFormats = map[string]string{".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}

func build(s *source.Scope, src *config.Source, specAny any) (source.Fetcher, error) {
	spec := specAny.(*Spec)
	var errs config.ErrorList
	f := &fetcher{dir: src.Dir(), format: spec.Format, delimiter: ','}
	path, err := s.Template(spec.Path)
	errs.Append(spec.Path.Pos, err)
	f.path = path
	if f.format == "" {
		if spec.Path.Dynamic() {
			errs.Add(spec.Path.Pos, "the path is a template, so the format cannot come from its extension; add format: json, ndjson, yaml or csv")
		} else if f.format = extFormats[strings.ToLower(filepath.Ext(spec.Path.Str.Src))]; f.format == "" {
			errs.Add(spec.Path.Pos, fmt.Sprintf("cannot tell the format of %q from its extension; add format: json, ndjson, yaml or csv", spec.Path.Str.Src))
		}
	}
	if d := spec.Delimiter.Value; d != "" {
		r := []rune(d)
		if len(r) != 1 || r[0] == '"' || r[0] == '\n' || r[0] == '\r' {
			errs.Add(spec.Delimiter.Pos, fmt.Sprintf("delimiter must be one character other than a quote or a line break, not %q", d))
		} else {
			f.delimiter = r[0]
		}
	}
	return f, errs.Err()
}

func (f *fetcher) Fetch(ctx context.Context, in *source.Input) error {
	emit := func(doc any) error {
		records, err := in.Records(ctx, doc)
		if err != nil {
			return err
		}
		return in.Emit(records)
	}
	name, err := f.path.EvalString(ctx, nil, in.Values)
	if err != nil {
		return fmt.Errorf("path: %w", err)
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(f.dir, path)
	}
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, unwrapPathErr(err))
	}
	defer fh.Close()
	r := bufio.NewReaderSize(fh, 64<<10)
	// Skip a UTF-8 byte order mark, which Windows tools write and which
	// neither encoding/json nor encoding/csv (before a quoted field) accept.
	bom := 0
	if b, _ := r.Peek(3); string(b) == "\ufeff" {
		r.Discard(3)
		bom = 3
	}
	switch f.format {
	case "json":
		err = readJSON(ctx, fh, r, bom, in)
	case "ndjson":
		err = source.DecodeNDJSON(ctx, r, emit)
	case "yaml":
		err = readYAML(r, emit)
	case "csv":
		err = source.DecodeCSV(ctx, r, f.delimiter, emit)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readJSON reads a JSON document whole, into one buffer of the file's size
// from the run, and hands its text to the run, which keeps the records as
// text where it can.
//
// A large regular file is mapped instead, where the run can (see
// source.Input.Map): r has read no more than its first bom bytes then,
// which are skipped.
func readJSON(ctx context.Context, fh *os.File, r io.Reader, bom int, in *source.Input) error {
	size := 0
	if st, err := fh.Stat(); err == nil && st.Mode().IsRegular() {
		size = int(st.Size())
	}
	if size > bom && in.Map != nil {
		if text, ok := in.Map(fh, size); ok {
			// A file whose size changed since is read as it is now.
			if st, err := fh.Stat(); err == nil && st.Size() == int64(size) {
				return jsonText(ctx, text[bom:], in)
			}
		}
	}
	// One byte more than the size tells a file that grew while read.
	buf := in.Buffer(size + 1)
	n, err := io.ReadFull(r, buf)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
	case err != nil:
		return err
	default: // the file is larger than it was: read the rest on the heap
		rest, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		buf = append(buf[:n:n], rest...)
		n = len(buf)
	}
	return jsonText(ctx, buf[:n], in)
}

// jsonText hands the text of a JSON document to the run.
func jsonText(ctx context.Context, data []byte, in *source.Input) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errEmpty
	}
	err := in.JSON(ctx, data)
	if je := (*source.JSONError)(nil); errors.As(err, &je) {
		return jsonError(data, je.Err)
	}
	return err
}

// errEmpty fails an empty JSON or YAML file: a broken export must not pass
// for an empty estate. (An empty NDJSON or CSV file is zero records.)
var errEmpty = errors.New("the file is empty; a JSON or YAML document was expected (an export that failed?)")

func readYAML(r io.Reader, emit func(any) error) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return errEmpty
		}
		return err
	}
	// A second document would otherwise be dropped without a word, and its
	// records deleted from StackState.
	for {
		var extra yaml.Node
		err := dec.Decode(&extra)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(extra.Content) != 1 || extra.Content[0].Tag != "!!null" || extra.Content[0].Value != "" {
			return fmt.Errorf("a data file holds one YAML document, this one has more; split it or make it one list")
		}
	}
	v, err := config.DataValue(&doc)
	if err != nil {
		return err
	}
	return emit(v)
}

// jsonError adds the line and column to a JSON syntax error.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = max(se.Offset-1, 0) // Offset counts the offending byte
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(data))
	}
	if off < 0 {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	before := data[:min(int(off), len(data))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
