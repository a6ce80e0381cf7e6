package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	// The source kinds register themselves.
	_ "github.com/stackmap/stackmap/engine/source/file"
	_ "github.com/stackmap/stackmap/engine/source/http"
	_ "github.com/stackmap/stackmap/engine/source/sql"
)

// Exit codes.
const (
	ExitOK          = 0 // success
	ExitRuntime     = 1 // a run failed
	ExitUsage       = 2 // the command line is wrong
	ExitInvalid     = 3 // a mapping is invalid
	ExitTestsFailed = 4 // mapping tests failed
)

// CLI is one invocation of stackmap with its streams and environment.
type CLI struct {
	Stdout io.Writer
	Stderr io.Writer
	// Getenv looks up environment variables, for the mappings' ${VAR}
	// references and stackmap's own settings.
	LookupEnv func(string) (string, bool)
	// Now returns the time a run starts.
	Now func() time.Time
	// Hostname returns the default internalHostname.
	Hostname func() (string, error)
	// Signals, when set, replaces the process's SIGTERM, SIGINT and
	// SIGHUP for the daemon (tests send them here).
	Signals <-chan os.Signal
}

// Run runs stackmap with the process's streams and environment.
func Run(args []string) int {
	c := &CLI{Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv, Now: time.Now, Hostname: os.Hostname}
	return c.Run(args)
}

type verb struct {
	name, args, summary string
	run                 func(c *CLI, args []string) int
}

var verbs []verb

func init() {
	verbs = []verb{
		{"validate", "PATH…", "load and compile mappings (files or directories); exit 3 on any problem", (*CLI).validate},
		{"preview", "MAPPING", "run a mapping once and show what it would send; nothing is sent", (*CLI).preview},
		{"run", "[--once] PATH…", "run mappings on their schedules (or once) and deliver to StackState, stdout or files", (*CLI).runVerb},
		{"test", "PATH…", "run the mappings' tests against recorded data; exit 4 if any fails", (*CLI).test},
		{"receive", "", "run a local StackState receiver for development and tests", (*CLI).receive},
		{"schema", "", "print the JSON Schema of mapping files, for editors", (*CLI).schema},
		{"version", "", "print the version", (*CLI).version},
	}
}

// Run runs one command line (without the program name) and returns the
// exit code.
func (c *CLI) Run(args []string) int {
	if len(args) == 0 {
		c.usage(c.Stderr)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		c.usage(c.Stdout)
		return ExitOK
	case "--version", "-version":
		name = "version"
	}
	for _, v := range verbs {
		if v.name == name {
			return v.run(c, args[1:])
		}
	}
	fmt.Fprintf(c.Stderr, "stackmap: unknown command %q\n\n", name)
	c.usage(c.Stderr)
	return ExitUsage
}

func (c *CLI) usage(w io.Writer) {
	fmt.Fprintln(w, "stackmap turns YAML mappings into StackState topology, telemetry and health.")
	fmt.Fprintln(w, "\nUsage:")
	for _, v := range verbs {
		fmt.Fprintf(w, "  stackmap %-8s %-14s %s\n", v.name, v.args, v.summary)
	}
	fmt.Fprintln(w, "\nRun 'stackmap COMMAND -h' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 runtime failure, 2 usage, 3 invalid mapping, 4 tests failed.")
}

// flags returns a flag set for a verb whose errors and help go to stderr.
func (c *CLI) flags(name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.Stderr, "Usage: stackmap %s [flags] %s\n\n%s\n\nFlags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may stand before, between or after the
// positional arguments, and returns the positional ones. The returned code
// is ExitOK for -h, ExitUsage for bad flags, or -1 to go on.
func parse(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, ExitOK
			}
			return nil, ExitUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, -1
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (c *CLI) errorf(format string, args ...any) {
	fmt.Fprintf(c.Stderr, "stackmap: "+format+"\n", args...)
}

// usageErr reports a command-line problem and returns ExitUsage.
func (c *CLI) usageErr(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(c.Stderr, "stackmap %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fmt.Fprintf(c.Stderr, "Run 'stackmap %s -h' for usage.\n", fs.Name())
	return ExitUsage
}

func (c *CLI) logger(level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(c.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(c.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: use text or json", format)
}

func (c *CLI) env(name string) string {
	if c.LookupEnv == nil {
		return ""
	}
	v, _ := c.LookupEnv(name)
	return strings.TrimSpace(v)
}
