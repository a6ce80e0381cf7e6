package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stackmap/stackmap/engine/intake"
	"github.com/stackmap/stackmap/engine/mapping"
	httpsource "github.com/stackmap/stackmap/engine/source/http"
)

// runFlags are the flags that shape one run and its payload, shared by
// preview and run.
type runFlags struct {
	fixtures  *string
	replay    *httpsource.Replayer // set by options when --fixtures is given
	hostname  *string
	chunkSize *int
	now       *string
	logLevel  *string
	logFormat *string
}

func (c *CLI) runFlags(fs interface {
	String(name, value, usage string) *string
	Int(name string, value int, usage string) *int
}) *runFlags {
	return &runFlags{
		fixtures:  fs.String("fixtures", "", "answer HTTP requests from exchanges recorded with preview --record in this directory, instead of the network"),
		hostname:  fs.String("hostname", "", "internalHostname of the payloads (default: this host's name)"),
		chunkSize: fs.Int("chunk-size", intake.DefaultChunkSize, "most elements per payload; a snapshot spans several payloads"),
		now:       fs.String("now", "", "run as of this time (RFC 3339), for reproducible output"),
		logLevel:  fs.String("log-level", "warn", "log level: debug, info, warn or error"),
		logFormat: fs.String("log-format", "text", "log format: text or json"),
	}
}

// options turns the flags into run and payload options.
func (c *CLI) options(f *runFlags) (mapping.Options, intake.Options, error) {
	now := c.Now()
	if *f.now != "" {
		t, err := time.Parse(time.RFC3339, *f.now)
		if err != nil {
			return mapping.Options{}, intake.Options{}, fmt.Errorf("--now %q: write it as RFC 3339, such as 2026-01-02T15:04:05Z", *f.now)
		}
		now = t
	}
	host := *f.hostname
	if host == "" {
		host = c.env("STACKMAP_HOSTNAME")
	}
	if host == "" && c.Hostname != nil {
		h, err := c.Hostname()
		if err != nil {
			return mapping.Options{}, intake.Options{}, fmt.Errorf("cannot tell this host's name (%v); give --hostname", err)
		}
		host = h
	}
	if *f.chunkSize < 1 {
		return mapping.Options{}, intake.Options{}, fmt.Errorf("--chunk-size must be at least 1, not %d", *f.chunkSize)
	}
	log, err := c.logger(*f.logLevel, *f.logFormat)
	if err != nil {
		return mapping.Options{}, intake.Options{}, err
	}
	opt := mapping.Options{Now: now, Logger: log}
	if *f.fixtures != "" {
		replay, err := httpsource.LoadFixtures(*f.fixtures)
		if err != nil {
			return mapping.Options{}, intake.Options{}, err
		}
		opt.Transport = replay.Wrap
		f.replay = replay
	}
	return opt, intake.Options{Hostname: host, ChunkSize: *f.chunkSize, Now: now}, nil
}

func (c *CLI) preview(args []string) int {
	fs := c.flags("preview", "MAPPING", "Run a mapping once and show what it would send: a summary per source and rule,\nthe checks, then the elements. Nothing is sent.")
	format := fs.String("format", "table", "output: table (for people), json (elements and summary), payload (the receiver payloads), dot (Graphviz) or mermaid")
	diff := fs.Bool("diff", false, "plan: show what delivering this snapshot would change against the last delivered one (--state-dir) or a payload file (--against)")
	against := fs.String("against", "", "with --diff: a payload file to compare with (from preview --format payload or run --output file:DIR)")
	stateDir := fs.String("state-dir", c.defaultStateDir(), "with --diff: the state directory run keeps")
	exitCode := fs.Bool("exit-code", false, "with --diff: exit 2 when the snapshot would change anything")
	explain := fs.String("explain", "", "show where the element with this id came from: the rule, its place in the mapping, the record, and the element built")
	limit := fs.Int("limit", 0, "print at most this many elements of each kind (table, dot, mermaid); 0 prints all")
	record := fs.String("record", "", "write every HTTP exchange of the run, secrets redacted, to this directory (for --fixtures)")
	rf := c.runFlags(fs)
	paths, code := parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) != 1 {
		return c.usageErr(fs, "name exactly one mapping file")
	}
	switch *format {
	case "table", "json", "payload", "dot", "mermaid":
	default:
		return c.usageErr(fs, "--format must be table, json, payload, dot or mermaid, not %q", *format)
	}
	if *limit < 0 {
		return c.usageErr(fs, "--limit must be 0 or more")
	}
	if (*against != "" || *exitCode) && !*diff {
		return c.usageErr(fs, "--against and --exit-code go with --diff")
	}
	if *record != "" && *rf.fixtures != "" {
		return c.usageErr(fs, "--record and --fixtures do not go together")
	}
	runOpt, payOpt, err := c.options(rf)
	if err != nil {
		return c.usageErr(fs, "%v", err)
	}
	var recorder *httpsource.Recorder
	if *record != "" {
		recorder = httpsource.NewRecorder(*record)
		runOpt.Transport = recorder.Wrap
	}
	if info, err := os.Stat(paths[0]); err == nil && info.IsDir() {
		return c.usageErr(fs, "%s is a directory; preview takes one mapping file", paths[0])
	}
	plan, err := c.compile(paths[0])
	if err != nil {
		fmt.Fprintln(c.Stderr, err)
		return ExitInvalid
	}
	payOpt.RepeatInterval = repeatInterval(plan)
	runOpt.Explain = *explain
	runOpt.Lint = true
	res, runErr := plan.Run(context.Background(), runOpt)
	c.warnUnused(rf)
	if recorder != nil {
		if err := recorder.Save(res.Redact); err != nil {
			c.errorf("%v", err)
			return ExitRuntime
		}
		fmt.Fprintf(c.Stderr, "recorded %d HTTP exchange(s) in %s\n", recorder.Len(), *record)
	}
	// Preview never shows a secret, not even one a rule copied into an
	// element: everything it prints passes through the plan's redactor.
	stdout := c.Stdout
	var out bytes.Buffer
	c.Stdout = &out
	defer func() {
		c.Stdout = stdout
		io.WriteString(stdout, res.Redact(out.String()))
	}()
	if *explain != "" {
		if len(res.Explained) == 0 {
			c.errorf("no component, relation or health state with id %q came out of the run", *explain)
			if runErr != nil {
				fmt.Fprintln(c.Stderr, res.Redact(runErr.Error()))
			}
			return ExitRuntime
		}
		for _, p := range res.Explained {
			fmt.Fprintf(c.Stdout, "EXPLAIN %s\nrule     %s rule %q at %s\n", *explain, p.Kind, p.Rule, p.At)
			if o := p.Origin; o != nil {
				fmt.Fprintf(c.Stdout, "source   %s (%s), document %d (the file, line, row or page), record %d\n", o.Source, o.Kind, o.Document, o.Record)
			} else {
				fmt.Fprintf(c.Stdout, "source   (the rule built its record with each; it is not one of a source's records as read)\n")
			}
			fmt.Fprintf(c.Stdout, "record   %s\nelement  %s\n", indentJSON(p.Record), indentJSON(p.Element))
		}
		return ExitOK
	}
	if *diff {
		if runErr != nil {
			fmt.Fprintln(c.Stderr, res.Redact(runErr.Error()))
			fmt.Fprintf(c.Stderr, "%s: the run failed; it would send nothing\n", plan.Path)
			return ExitRuntime
		}
		envs, err := intake.Build(res.Batch, payOpt)
		if err != nil {
			c.errorf("%s: %v", plan.Path, err)
			return ExitRuntime
		}
		changed, err := c.planDiff(plan, res, envs, *against, *stateDir)
		if err != nil {
			c.errorf("%v", err)
			return ExitRuntime
		}
		if changed && *exitCode {
			return ExitUsage // "would change", as git diff --exit-code says it
		}
		return ExitOK
	}
	switch *format {
	case "table":
		c.printTable(plan, res, *limit)
	case "dot":
		if res.Batch != nil {
			writeDot(c.Stdout, plan.Name, res.Batch, *limit)
		}
	case "mermaid":
		if res.Batch != nil {
			writeMermaid(c.Stdout, res.Batch, *limit)
		}
	case "json":
		enc := json.NewEncoder(c.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonResult(res)); err != nil {
			c.errorf("%v", err)
			return ExitRuntime
		}
	case "payload":
		if runErr == nil {
			envs, err := intake.Build(res.Batch, payOpt)
			if err != nil {
				c.errorf("%s: %v", plan.Path, err)
				return ExitRuntime
			}
			for i := range envs {
				if err := intake.EncodeIndent(c.Stdout, &envs[i]); err != nil {
					c.errorf("%v", err)
					return ExitRuntime
				}
			}
		}
	}
	if runErr != nil {
		fmt.Fprintln(c.Stderr, res.Redact(runErr.Error()))
		fmt.Fprintf(c.Stderr, "%s: the run failed; it would send nothing\n", plan.Path)
		return ExitRuntime
	}
	return ExitOK
}

// repeatInterval is the health stream's repeat interval: the schedule's
// interval, or the intake default without a schedule.
func repeatInterval(p *mapping.Plan) time.Duration {
	return p.Interval.Round(time.Second)
}

// warnUnused says when recorded exchanges went unused: the run asked for
// less than the recording holds, so it was recorded with other settings.
func (c *CLI) warnUnused(f *runFlags) {
	if f.replay == nil {
		return
	}
	if n := f.replay.Unused(); n > 0 {
		fmt.Fprintf(c.Stderr, "warning: %d recorded exchange(s) in %s went unused; were the fixtures recorded with other settings (page size, filters)?\n", n, *f.fixtures)
	}
}

// indentJSON shows a value as indented JSON, continued lines aligned.
func indentJSON(v any) string {
	b, err := json.MarshalIndent(v, "         ", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
