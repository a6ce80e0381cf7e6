package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/mapping"
)

// skipDirs are directories that hold data, not mappings.
var skipDirs = map[string]bool{"testdata": true, "data": true, "fixtures": true, "node_modules": true, "vendor": true}

// findMappings expands directories into the mapping files below them: files
// ending in .yaml or .yml, except *.test.yaml and files in directories named
// testdata, data, fixtures or starting with a dot.
func findMappings(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, unwrapPathErr(err))
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != p && (skipDirs[name] || strings.HasPrefix(name, ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			ext := filepath.Ext(name)
			if (ext == ".yaml" || ext == ".yml") && !strings.HasSuffix(strings.TrimSuffix(name, ext), ".test") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// compile loads and compiles one mapping file, returning every problem.
func (c *CLI) compile(path string) (*mapping.Plan, error) {
	m, err := config.Load(path, config.Options{Env: c.LookupEnv})
	if m == nil {
		return nil, err
	}
	var errs config.ErrorList
	errs.Append(config.Pos{File: path}, err)
	plan, cerr := mapping.Compile(m)
	errs.Append(config.Pos{File: path}, cerr)
	errs = dedupe(errs)
	errs.Sort()
	if len(errs) > 0 {
		return nil, redact(errs, m.Secrets)
	}
	return plan, nil
}

// dedupe drops problems reported twice at the same place.
func dedupe(errs config.ErrorList) config.ErrorList {
	seen := map[string]bool{}
	var out config.ErrorList
	for _, e := range errs {
		k := e.Pos.String() + e.Msg
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// redact removes secrets from load errors.
func redact(errs config.ErrorList, secrets []string) config.ErrorList {
	r := config.NewRedactor(secrets)
	for _, e := range errs {
		e.Msg, e.Detail = r.Replace(e.Msg), r.Replace(e.Detail)
	}
	return errs
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// compileAll compiles the mapping files, printing every problem to stderr,
// including a mapping name used by two files. It reports whether all were
// valid.
func (c *CLI) compileAll(files []string) ([]*mapping.Plan, bool) {
	var plans []*mapping.Plan
	ok := true
	names := map[string]*mapping.Plan{}
	for _, f := range files {
		plan, err := c.compile(f)
		if err != nil {
			fmt.Fprintln(c.Stderr, err)
			ok = false
			continue
		}
		if first, dup := names[plan.Name]; dup {
			fmt.Fprintf(c.Stderr, "%s: mapping name %q is also the name of %s; names must be unique, since they name the health stream, state and output files\n", plan.NamePos, plan.Name, first.Path)
			ok = false
			continue
		}
		names[plan.Name] = plan
		plans = append(plans, plan)
	}
	return plans, ok
}
