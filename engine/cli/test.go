package cli

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expect"
	"github.com/stackmap/stackmap/engine/mapping"
	httpsource "github.com/stackmap/stackmap/engine/source/http"
	"go.yaml.in/yaml/v3"
)

// testNowDefault is the run time of a test that names none.
var testNowDefault = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *CLI) test(args []string) int {
	fs := c.flags("test", "PATH…", "Run the tests of mappings: the tests: key of each mapping and its <name>.test.yaml.\nEach test runs the mapping (replaying recorded fixtures) and compares what it produced\nwith what the test expects. Exit 4 if any test fails.")
	run := fs.String("run", "", "run only the tests whose mapping and test name match this regular expression")
	update := fs.Bool("update", false, "rewrite the golden files with what the runs produce")
	junit := fs.String("junit", "", "also write the results as JUnit XML to this file")
	verbose := fs.Bool("v", false, "list passing tests too")
	paths, code := parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) == 0 {
		return c.usageErr(fs, "name at least one mapping file or directory")
	}
	var filter *regexp.Regexp
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			return c.usageErr(fs, "--run: %v", err)
		}
		filter = re
	}
	files, err := findMappings(paths)
	if err != nil {
		c.errorf("%v", err)
		return ExitUsage
	}
	var results []testResult
	invalid := false
	for _, f := range files {
		m, err := config.Load(f, config.Options{Env: func(string) (string, bool) { return "", false }})
		if m == nil {
			fmt.Fprintln(c.Stderr, err)
			invalid = true
			continue
		}
		tests, err := config.LoadTests(m)
		if err != nil {
			fmt.Fprintln(c.Stderr, err)
			invalid = true
			continue
		}
		for _, tc := range tests {
			if filter != nil && !filter.MatchString(m.Name.Value+"/"+tc.Name) {
				continue
			}
			r := c.runTest(f, tc, *update)
			results = append(results, r)
			switch {
			case r.failed():
				fmt.Fprintf(c.Stdout, "FAIL %s: %s (%s)\n", r.pos, r.name, f)
				for _, p := range r.problems {
					fmt.Fprintf(c.Stdout, "    %s\n", strings.ReplaceAll(p, "\n", "\n    "))
				}
			case *verbose:
				fmt.Fprintf(c.Stdout, "ok   %s: %s\n", f, r.name)
			}
		}
	}
	if filter != nil && len(results) == 0 {
		c.errorf("no test matches --run %s", *run)
		return ExitUsage
	}
	passed, failed := 0, 0
	for _, r := range results {
		if r.failed() {
			failed++
		} else {
			passed++
		}
	}
	fmt.Fprintf(c.Stdout, "%d passed, %d failed\n", passed, failed)
	if *junit != "" {
		if err := writeJUnit(*junit, results); err != nil {
			c.errorf("--junit: %v", err)
			return ExitRuntime
		}
	}
	switch {
	case invalid:
		return ExitInvalid
	case failed > 0:
		return ExitTestsFailed
	}
	return ExitOK
}

// testResult is the outcome of one test.
type testResult struct {
	mapping, name string
	pos           config.Pos
	problems      []string
	duration      time.Duration
}

func (r testResult) failed() bool { return len(r.problems) > 0 }

// runTest loads the mapping with the test's environment, runs it and
// compares the result with the expectations.
func (c *CLI) runTest(path string, tc config.TestCase, update bool) (out testResult) {
	start := time.Now()
	r := testResult{mapping: path, name: tc.Name, pos: tc.Pos}
	defer func() { out.duration = time.Since(start) }()
	fail := func(format string, args ...any) testResult {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
		return r
	}
	env := tc.Env
	m, err := config.Load(path, config.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		return fail("the mapping does not load with the test's env:\n%v", err)
	}
	plan, err := mapping.Compile(m)
	if err != nil {
		return fail("the mapping does not compile:\n%v", err)
	}
	now := testNowDefault
	if tc.Now != "" {
		if now, err = time.Parse(time.RFC3339, tc.Now); err != nil {
			return fail("now %q: write it as RFC 3339", tc.Now)
		}
	}
	opt := mapping.Options{Now: now, Logger: slog.New(slog.DiscardHandler)}
	dir := filepath.Dir(tc.Pos.File)
	var replay *httpsource.Replayer
	if tc.Fixtures != "" {
		if replay, err = httpsource.LoadFixtures(filepath.Join(dir, tc.Fixtures)); err != nil {
			return fail("%v", err)
		}
		opt.Transport = replay.Wrap
	} else {
		opt.Transport = httpsource.Offline
	}
	if len(tc.Sources) > 0 {
		names := plan.Sources()
		opt.Documents = map[string][]any{}
		for name, file := range tc.Sources {
			if !slices.Contains(names, name) {
				return fail("sources: the mapping has no source %q (it has %s)", name, strings.Join(names, ", "))
			}
			doc, err := readDocument(filepath.Join(dir, file))
			if err != nil {
				return fail("sources: %s: %v", name, err)
			}
			opt.Documents[name] = []any{doc}
		}
	}
	res, runErr := plan.Run(context.Background(), opt)
	if tc.Fails != "" {
		if runErr == nil {
			return fail("the run succeeded, but the test expects it to fail with %q", tc.Fails)
		}
		if msg := res.Redact(runErr.Error()); !strings.Contains(msg, tc.Fails) {
			return fail("the run failed, but not with %q:\n%s", tc.Fails, msg)
		}
		return r
	}
	if runErr != nil {
		return fail("the run failed:\n%s", res.Redact(runErr.Error()))
	}
	if replay != nil && replay.Unused() > 0 {
		r.problems = append(r.problems, fmt.Sprintf("%d recorded exchange(s) in %s went unused: the mapping no longer asks what was recorded; record the fixtures again", replay.Unused(), tc.Fixtures))
	}
	if tc.Expect == nil {
		return r
	}
	b := res.Batch
	kinds := []struct {
		name string
		ke   *config.KindExpect
		got  []map[string]any
	}{
		{"components", tc.Expect.Components, expect.Plain(b.Components)},
		{"relations", tc.Expect.Relations, expect.Plain(b.Relations)},
		{"metrics", tc.Expect.Metrics, expect.Plain(b.Metrics)},
		{"events", tc.Expect.Events, expect.Plain(b.Events)},
		{"health", tc.Expect.Health, expect.Plain(b.HealthStates)},
	}
	for _, k := range kinds {
		if k.ke == nil {
			continue
		}
		at := k.ke.Pos.String() + ": " + k.name
		if k.ke.Count != nil && *k.ke.Count != len(k.got) {
			r.problems = append(r.problems, fmt.Sprintf("%s: %d elements, want %d", at, len(k.got), *k.ke.Count))
		}
		if k.ke.Contains.IsSet() {
			want, _ := k.ke.Contains.Plain().([]any)
			for _, d := range expect.Contains(k.name, k.got, want) {
				r.problems = append(r.problems, at+": "+d)
			}
		}
		if k.ke.Equals.IsSet() {
			want, _ := k.ke.Equals.Plain().([]any)
			for _, d := range expect.Equals(k.name, k.got, want) {
				r.problems = append(r.problems, at+": "+d)
			}
		}
		if k.ke.Golden != "" {
			golden := filepath.Join(dir, k.ke.Golden)
			if update {
				data, _ := json.MarshalIndent(k.got, "", "  ")
				if err := os.WriteFile(golden, append(data, '\n'), 0o644); err != nil {
					r.problems = append(r.problems, fmt.Sprintf("%s: write golden: %v", at, err))
				}
				continue
			}
			data, err := os.ReadFile(golden)
			if err != nil {
				r.problems = append(r.problems, fmt.Sprintf("%s: golden: %v (create it with stackmap test --update)", at, err))
				continue
			}
			var want []any
			if err := json.Unmarshal(data, &want); err != nil {
				r.problems = append(r.problems, fmt.Sprintf("%s: golden %s: %v", at, k.ke.Golden, err))
				continue
			}
			for _, d := range expect.Equals(k.name, k.got, want) {
				r.problems = append(r.problems, at+" (golden "+k.ke.Golden+"): "+d)
			}
		}
	}
	return r
}

// readDocument reads a JSON or YAML file into plain JSON values.
func readDocument(path string) (any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return nil, err
	}
	return config.DataValue(&node)
}

// writeJUnit writes the results as JUnit XML, one suite per mapping.
func writeJUnit(path string, results []testResult) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
	}
	type suite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type suites struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []*suite `xml:"testsuite"`
	}
	var out suites
	byMapping := map[string]*suite{}
	for _, r := range results {
		s := byMapping[r.mapping]
		if s == nil {
			s = &suite{Name: r.mapping}
			byMapping[r.mapping] = s
			out.Suites = append(out.Suites, s)
		}
		tc := testcase{Name: r.name, Classname: r.mapping, Time: fmt.Sprintf("%.3f", r.duration.Seconds())}
		if r.failed() {
			tc.Failure = &failure{Message: r.problems[0], Text: strings.Join(r.problems, "\n")}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	data, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(append([]byte(xml.Header), data...), '\n'), 0o644)
}
