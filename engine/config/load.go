package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Options change how a mapping is loaded.
type Options struct {
	// Env looks up environment variables; nil means the process environment.
	Env func(string) (string, bool)
}

// Load reads and decodes the mapping file at path. It returns the mapping
// decoded as far as it could be, and every problem found; the mapping is
// nil only when the file cannot be read or is not YAML at all.
func Load(path string, opt Options) (*Mapping, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	return Parse(path, src, opt)
}

// Parse decodes the mapping file named name whose text is src.
func Parse(name string, src []byte, opt Options) (*Mapping, error) {
	d := NewDecoder(name, filepath.Dir(name), src)
	d.Env = opt.Env
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrorList{{Pos: Pos{File: name, Line: 1, Col: 1}, Msg: "the file is empty; a mapping needs at least name and sources"}}
		}
		return nil, ErrorList{yamlError(name, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, ErrorList{{Pos: nodePos(name, &extra), Msg: "a mapping file holds one YAML document; remove the second"}}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if isNull(doc) {
		// "---" alone, or a document that is only null.
		return nil, ErrorList{{Pos: Pos{File: name, Line: 1, Col: 1}, Msg: "the file is empty; a mapping needs at least name and sources"}}
	}
	m := &Mapping{Path: name, Dir: filepath.Dir(name), Pos: nodePos(name, doc)}
	d.Decode(doc, m)
	m.Secrets = append([]string(nil), d.Secrets...)
	m.dec = d
	errs := d.Errors()
	m.check(&errs)
	errs.Sort()
	return m, errs.Err()
}

var yamlErrRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlParserProblems are the messages of the YAML parser, as opposed to its
// scanner; they name the line where the enclosing node starts.
var yamlParserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// yamlError turns a YAML syntax error into a positioned problem.
func yamlError(name string, err error) *Error {
	e := &Error{Pos: Pos{File: name, Line: 1, Col: 1}, Msg: "invalid YAML: " + err.Error()}
	if m := yamlErrRE.FindStringSubmatch(err.Error()); m != nil {
		if m[1] != "" {
			e.Pos.Line, _ = strconv.Atoi(m[1])
			if yamlParserProblems[m[2]] {
				// yaml.v3 reports the line of a parser (not scanner)
				// problem counting from 0.
				e.Pos.Line++
			}
		}
		e.Msg = "invalid YAML: " + m[2]
		for _, h := range yamlHints {
			if strings.Contains(m[2], h.problem) {
				e.Msg += "; " + h.hint
				break
			}
		}
	}
	return e
}

// yamlHints explain the YAML syntax errors that mapping authors meet most.
var yamlHints = []struct{ problem, hint string }{
	{"mapping values are not allowed", `a plain value cannot hold ": " (jq objects often do): quote it, or write it as a block with jq: |`},
	{"did not find expected alphabetic or numeric character", `a value that starts with * or & (such as a cron schedule) must be quoted: schedule: "*/5 * * * *"`},
	{"did not find expected ',' or", `inside { } or [ ], quote values that hold ${…}, {{ … }}, ": " or " #"`},
	{"found character that cannot start any token", "indent with spaces, not tabs, and quote values that start with @ or `"},
}

// DefaultMaxShrink is the shrink guard's default limit, in percent.
const DefaultMaxShrink = 50.0

// check applies defaults and the rules that span keys.
func (m *Mapping) check(errs *ErrorList) {
	if m.Name.Pos.IsValid() && !nameRE.MatchString(m.Name.Value) {
		errs.Add(m.Name.Pos, fmt.Sprintf("name %q must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 100)", m.Name.Value))
	}
	if m.OnInvalid == "" {
		m.OnInvalid = "fail"
	}
	if m.MaxShrink == nil {
		def := DefaultMaxShrink
		m.MaxShrink = &def
	} else if *m.MaxShrink < 0 || *m.MaxShrink > 100 {
		errs.Add(m.Pos, fmt.Sprintf("max_shrink is a percentage from 0 to 100, not %g", *m.MaxShrink))
	}
	if m.Instance == nil {
		m.Instance = &Instance{
			Type: StringTemplate("stackmap"),
			URL:  StringTemplate("stackmap://" + m.Name.Value),
		}
	}
	if len(m.Sources) == 0 {
		errs.Add(m.Pos, "the mapping has no sources; add at least one under sources:")
	}
	seen := map[string]Pos{}
	for _, s := range m.Sources {
		n := s.Name
		switch {
		case !n.Pos.IsValid():
		case !identRE.MatchString(n.Value):
			errs.Add(n.Pos, fmt.Sprintf("source name %q must start with a letter or _ and hold only letters, digits and _, since it becomes $%s in jq", n.Value, n.Value))
		case contains(ReservedNames, n.Value):
			errs.Add(n.Pos, fmt.Sprintf("source name %q is reserved ($%s is set by stackmap); choose another", n.Value, n.Value))
		default:
			if first, dup := seen[n.Value]; dup {
				errs.Add(n.Pos, fmt.Sprintf("duplicate source name %q (first at line %d)", n.Value, first.Line))
			}
			seen[n.Value] = n.Pos
		}
	}
	rules := 0
	for _, kind := range RuleKinds {
		names := map[string]Pos{}
		rs := m.Rules(kind)
		rules += len(rs)
		for i := range rs {
			r := &rs[i]
			if r.Name == "" {
				r.Name = fmt.Sprintf("%s[%d]", kind, i)
			}
			if first, dup := names[r.Name]; dup {
				errs.Add(r.Pos, fmt.Sprintf("duplicate %s rule name %q (first at line %d)", kind, r.Name, first.Line))
			}
			names[r.Name] = r.Pos
			if r.OnInvalid == "" {
				r.OnInvalid = m.OnInvalid
			}
		}
	}
	if rules == 0 {
		errs.Add(m.Pos, "the mapping has no rules; add components, relations, metrics, events or health")
	}
}
