package cli

import (
	"bytes"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// testNow and testHost are the clock and host name of every CLI test.
var (
	testNow  = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	testHost = "test-host"
)

type cliCase struct {
	Name        string            `yaml:"name"`
	Args        []string          `yaml:"args"`
	Env         map[string]string `yaml:"env"`
	Exit        int               `yaml:"exit"`
	Stdout      *string           `yaml:"stdout"`
	Stderr      *string           `yaml:"stderr"`
	StdoutHas   []string          `yaml:"stdout_has"`
	StderrHas   []string          `yaml:"stderr_has"`
	StdoutLacks []string          `yaml:"stdout_lacks"`
	StderrLacks []string          `yaml:"stderr_lacks"`
}

// stateDirs keeps one state directory per test, so that the runs of one
// test share state and tests do not.
var stateDirs sync.Map

func stateDir(t *testing.T) string {
	if d, ok := stateDirs.Load(t.Name()); ok {
		return d.(string)
	}
	d := t.TempDir()
	stateDirs.Store(t.Name(), d)
	return d
}

// newTestCLI returns a CLI with a fixed clock and host name and only env
// for an environment.
func newTestCLI(t *testing.T, env map[string]string) (*CLI, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	if _, ok := env["STACKMAP_STATE_DIR"]; !ok {
		env = maps.Clone(env)
		if env == nil {
			env = map[string]string{}
		}
		env["STACKMAP_STATE_DIR"] = stateDir(t)
	}
	var stdout, stderr bytes.Buffer
	c := &CLI{
		Stdout: &stdout,
		Stderr: &stderr,
		LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		Now:      func() time.Time { return testNow },
		Hostname: func() (string, error) { return testHost, nil },
	}
	return c, &stdout, &stderr
}

func TestCLI(t *testing.T) {
	data, err := os.ReadFile("testdata/cli.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []cliCase
	if err := yaml.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases in testdata/cli.yaml")
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			c, stdout, stderr := newTestCLI(t, tc.Env)
			code := c.Run(tc.Args)
			out, errOut := stdout.String(), stderr.String()
			if code != tc.Exit {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.Exit, out, errOut)
			}
			check(t, "stdout", out, tc.Stdout, tc.StdoutHas, tc.StdoutLacks)
			check(t, "stderr", errOut, tc.Stderr, tc.StderrHas, tc.StderrLacks)
		})
	}
}

func check(t *testing.T, name, got string, exact *string, has, lacks []string) {
	t.Helper()
	if exact != nil && got != *exact {
		t.Errorf("%s:\n%s\nwant:\n%s", name, got, *exact)
	}
	for _, s := range has {
		if !strings.Contains(got, s) {
			t.Errorf("%s lacks %q:\n%s", name, s, got)
		}
	}
	for _, s := range lacks {
		if strings.Contains(got, s) {
			t.Errorf("%s holds %q:\n%s", name, s, got)
		}
	}
}
