package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/intake"
	"github.com/stackmap/stackmap/engine/mapping"
	"github.com/stackmap/stackmap/engine/state"
)

func (c *CLI) runVerb(args []string) int {
	fs := c.flags("run", "[--once] PATH…", "Run mappings and deliver their payloads. Without --once, run as a daemon: every mapping on\nits schedule, with /healthz, /readyz, /metrics and /status on --listen, until SIGTERM or\nSIGINT; SIGHUP reloads the mappings. With --once every mapping runs once and the command\nexits non-zero if any run or delivery failed.")
	once := fs.Bool("once", false, "run each mapping once and exit")
	listen := fs.String("listen", "127.0.0.1:9464", "the daemon's address for /healthz, /readyz, /metrics and /status")
	grace := fs.Duration("grace", 30*time.Second, "on SIGTERM, how long runs under way may take to finish")
	retries := fs.Int("delivery-retries", intake.DefaultRetry.Attempts-1, "retries of a chunk the receiver did not take (transport errors, 408, 429, 5xx), with backoff from 1s to 30s")
	queueSize := fs.Int("queue-size", 10000, "the daemon keeps up to this many metrics and events of failed deliveries for the next run; beyond, the oldest are dropped and counted")
	watch := fs.Duration("watch", 2*time.Second, "how often the daemon checks the mapping files for changes and reloads them (0: only on SIGHUP)")
	output := fs.String("output", "stackstate", "where payloads go: stackstate (POST to --url), stdout (one JSON payload per line) or file:DIR (DIR/<mapping>-0001.json …)")
	url := fs.String("url", "", "StackState receiver URL, such as https://stackstate.example.com or https://host:7077/stsAgent (default: $STACKMAP_URL)")
	keyFile := fs.String("api-key-file", "", "file holding the receiver API key (default: $STACKMAP_API_KEY)")
	stateDir := fs.String("state-dir", c.defaultStateDir(), "where each mapping's state is kept: the last delivered snapshot (for the shrink guard) and counts; $STACKMAP_STATE_DIR sets the default")
	forced := map[string]bool{}
	fs.Func("force-shrink", "deliver this mapping's next snapshot even if the shrink guard would refuse it; once, also for the daemon (repeatable)", func(name string) error {
		forced[name] = true
		return nil
	})
	rf := c.runFlags(fs)
	paths, code := parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) == 0 {
		return c.usageErr(fs, "name at least one mapping file or directory")
	}
	runOpt, payOpt, err := c.options(rf)
	if err != nil {
		return c.usageErr(fs, "%v", err)
	}
	sink, err := c.sink(*output, *url, *keyFile)
	if err != nil {
		return c.usageErr(fs, "%v", err)
	}
	if *queueSize < 0 {
		return c.usageErr(fs, "--queue-size must be 0 or more, not %d", *queueSize)
	}
	if *retries < 0 || *retries > 20 {
		return c.usageErr(fs, "--delivery-retries must be between 0 and 20, not %d", *retries)
	}
	if s, ok := sink.(*intake.StackState); ok {
		s.Retry = intake.DefaultRetry
		s.Retry.Attempts = *retries + 1
		s.Logger = runOpt.Logger
	}
	files, err := findMappings(paths)
	if err != nil {
		c.errorf("%v", err)
		return ExitUsage
	}
	plans, ok := c.compileAll(files)
	if !ok {
		return ExitInvalid
	}
	for name := range forced {
		if !slices.ContainsFunc(plans, func(p *mapping.Plan) bool { return p.Name == name }) {
			return c.usageErr(fs, "--force-shrink %s names no mapping being run", name)
		}
	}
	// run --once keeps state (and so the shrink guard's baseline) for
	// deliveries to StackState, and for other outputs only when a state
	// directory is named: a trial run to files must not move the
	// production baseline.
	explicitState := c.env("STACKMAP_STATE_DIR") != ""
	fs.Visit(func(f *flag.Flag) { explicitState = explicitState || f.Name == "state-dir" })
	var store *state.Store
	if !*once || *output == "stackstate" || explicitState {
		if store, err = state.Open(*stateDir); err != nil {
			c.errorf("%v", err)
			return ExitRuntime
		}
	}
	if !*once {
		return c.daemon(daemonConfig{paths: paths, plans: plans, store: store, sink: sink, forced: forced,
			runOpt: runOpt, payOpt: payOpt, listen: *listen, grace: *grace, watch: *watch, queueSize: *queueSize})
	}
	failed := 0
	ctx := context.Background()
	for _, plan := range plans {
		st := &state.State{Version: state.Version, Mapping: plan.Name}
		if store != nil {
			if st, err = store.Load(plan.Name); err != nil {
				runOpt.Logger.Warn(err.Error(), "mapping", plan.Name)
			}
		}
		out := c.runOnce(ctx, plan, st, forced[plan.Name], runOpt, payOpt, sink, nil)
		if store != nil {
			if serr := store.Save(st); serr != nil {
				runOpt.Logger.Error("cannot save the state", "mapping", plan.Name, "error", serr)
			}
		}
		if out.Err != nil {
			failed++
			fmt.Fprintln(c.Stderr, out.Err)
		}
	}
	c.warnUnused(rf)
	if failed > 0 {
		fmt.Fprintf(c.Stderr, "%d of %d mapping(s) failed\n", failed, len(plans))
		return ExitRuntime
	}
	return ExitOK
}

// outcome is what one delivery attempt did.
type outcome struct {
	Err error
	// Reason names why it failed: run, build, shrink_guard or deliver.
	Reason string
	Result *mapping.Result
	// Envelopes is the number delivered.
	Envelopes int
	// Forced reports that --force-shrink let through a snapshot the shrink
	// guard would have refused.
	Forced bool
	// Requeued counts the metrics and events of earlier failed deliveries
	// this one carried too.
	Requeued struct{ Metrics, Events int }
}

// runOnce runs one mapping and delivers its payloads, keeping st up to
// date. Nothing is delivered when the run failed, or when the shrink guard
// refuses the snapshot and force is not set.
//
// The daemon passes a queue: telemetry of a delivery that failed waits
// there for the next run; run --once passes nil.
func (c *CLI) runOnce(ctx context.Context, plan *mapping.Plan, st *state.State, force bool, runOpt mapping.Options, payOpt intake.Options, sink intake.Sink, queue *telemetryQueue) outcome {
	runOpt.State = st.User
	st.Runs++
	var res *mapping.Result
	var requeued struct{ Metrics, Events int }
	fail := func(reason string, err error) outcome {
		st.Failures++
		return outcome{Err: err, Reason: reason, Result: res, Requeued: requeued}
	}
	// The run streams its topology, encoded, into the delivery, which
	// keeps it (in files or compressed) until Commit: nothing is
	// delivered unless the run succeeds and the shrink guard agrees.
	delivery, err := sink.Open(ctx, plan.Name)
	if err != nil {
		return fail("deliver", fmt.Errorf("%s: deliver: %w", plan.Path, err))
	}
	committed := false
	defer func() {
		if !committed {
			delivery.Abort()
		}
	}()
	payOpt.RepeatInterval = repeatInterval(plan)
	asm, err := intake.NewAssembler(plan.Name, payOpt, delivery.Add)
	if err != nil {
		return fail("build", fmt.Errorf("%s: %w", plan.Path, err))
	}
	runOpt.Stream = asm
	res, err = plan.Run(ctx, runOpt)
	logProblems(runOpt.Logger, plan, res)
	if err != nil {
		return fail("run", fmt.Errorf("%s\n%s: the run failed; nothing was sent", res.Redact(err.Error()), plan.Path))
	}
	if queue != nil {
		m, e := len(res.Batch.Metrics), len(res.Batch.Events)
		queue.takeInto(res.Batch)
		requeued.Metrics, requeued.Events = len(res.Batch.Metrics)-m, len(res.Batch.Events)-e
	}
	requeue := func() {
		if queue != nil {
			queue.put(res.Batch.Metrics, res.Batch.Events)
		}
	}
	if err := asm.Finish(res.Batch); err != nil {
		requeue()
		return fail("build", fmt.Errorf("%s: %s", plan.Path, res.Redact(err.Error())))
	}
	var snap *state.Snapshot
	forced := false
	if res.Batch.Topology {
		snap = state.NewSnapshot(res.Started, res.ComponentIDs, res.Relations, asm.Digest())
		if err := state.Guard(plan.Name, st.Delivered, snap, plan.MaxShrink); err != nil {
			if !force {
				runOpt.Logger.Warn("shrink guard refused a snapshot", "mapping", plan.Name, "error", err)
				requeue()
				return fail("shrink_guard", fmt.Errorf("%s: %w", plan.Path, err))
			}
			forced = true
			sh := state.ShrinkOf(st.Delivered, snap)
			runOpt.Logger.Warn("shrink guard overruled by --force-shrink: delivering the snapshot", "mapping", plan.Name,
				"removes", sh.Removed, "of", sh.Of)
		}
	}
	if k, ok := delivery.(instanceKeyed); ok && res.Batch.Topology {
		k.setInstance(res.Batch.Instance)
	}
	committed = true
	if err := delivery.Commit(ctx); err != nil {
		requeue()
		return fail("deliver", fmt.Errorf("%s: deliver: %s", plan.Path, res.Redact(err.Error())))
	}
	if snap != nil {
		st.Delivered = snap
	}
	st.User = res.State
	st.LastSuccess = time.Now().UTC()
	runOpt.Logger.Debug("delivered", "mapping", plan.Name, "payloads", asm.Chunks(),
		"components", res.Components, "relations", res.Relations)
	return outcome{Result: res, Envelopes: asm.Chunks(), Requeued: requeued, Forced: forced}
}

// defaultStateDir is $STACKMAP_STATE_DIR, or ./state.
func (c *CLI) defaultStateDir() string {
	if d := c.env("STACKMAP_STATE_DIR"); d != "" {
		return d
	}
	return "state"
}

// sink returns the sink --output names.
func (c *CLI) sink(output, url, keyFile string) (intake.Sink, error) {
	switch {
	case output == "stdout":
		return intake.NewWriterSink(c.Stdout), nil
	case strings.HasPrefix(output, "file:"):
		dir := strings.TrimPrefix(output, "file:")
		if dir == "" {
			return nil, fmt.Errorf("--output file:DIR needs a directory")
		}
		return intake.NewDirSink(dir), nil
	case output == "stackstate":
		if url == "" {
			url = c.env("STACKMAP_URL")
		}
		if url == "" {
			return nil, fmt.Errorf("--output stackstate needs the receiver's URL: give --url or set STACKMAP_URL")
		}
		key, err := c.apiKey(keyFile)
		if err != nil {
			return nil, err
		}
		return intake.NewStackState(url, key)
	}
	return nil, fmt.Errorf("--output must be stackstate, stdout or file:DIR, not %q", output)
}

// apiKey reads the receiver API key from the file, or from
// $STACKMAP_API_KEY.
func (c *CLI) apiKey(file string) (config.Secret, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return config.Secret{}, fmt.Errorf("--api-key-file: %w", err)
		}
		key := strings.TrimSpace(string(b))
		if key == "" {
			return config.Secret{}, fmt.Errorf("--api-key-file %s is empty", file)
		}
		return config.NewSecret(key), nil
	}
	if key := c.env("STACKMAP_API_KEY"); key != "" {
		return config.NewSecret(key), nil
	}
	return config.Secret{}, fmt.Errorf("--output stackstate needs the receiver API key: give --api-key-file or set STACKMAP_API_KEY")
}

// logProblems logs, at warn, what a run reported without failing: check
// warnings and the elements rules dropped.
func logProblems(log *slog.Logger, plan *mapping.Plan, res *mapping.Result) {
	for _, pr := range res.Problems {
		if !pr.Error && !pr.Lint {
			log.Warn(pr.Msg, "mapping", plan.Name)
		}
	}
	for _, r := range res.Rules {
		if r.Dropped > 0 && r.Errors == 0 && len(r.Problems) > 0 {
			log.Warn("rule dropped invalid elements", "mapping", plan.Name, "rule", r.Name, "kind", r.Kind,
				"dropped", r.Dropped, "first", firstLine(r.Problems[0]))
		}
	}
}
