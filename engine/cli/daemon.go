package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stackmap/stackmap/engine/intake"
	"github.com/stackmap/stackmap/engine/mapping"
	"github.com/stackmap/stackmap/engine/model"
	"github.com/stackmap/stackmap/engine/schedule"
	"github.com/stackmap/stackmap/engine/state"
)

// daemonConfig is what run hands the daemon.
type daemonConfig struct {
	paths  []string
	plans  []*mapping.Plan
	store  *state.Store
	sink   intake.Sink
	forced map[string]bool
	runOpt mapping.Options
	payOpt intake.Options
	listen string
	grace  time.Duration
	// watch is how often the mapping files are checked for changes; 0 off.
	watch time.Duration
	// queueSize bounds each mapping's queue of undelivered telemetry.
	queueSize int
}

// daemon runs mappings on their schedules until a signal stops it.
type daemon struct {
	c       *CLI
	cfg     daemonConfig
	runner  *schedule.Runner
	metrics *metrics
	ready   atomic.Bool

	mu      sync.Mutex
	entries map[string]*entry
	reload  string // the last reload's problem, or ""

	// deliveries keeps two mappings that share an instance from
	// interleaving the chunks of their snapshots.
	deliveries sync.Map // instance → *sync.Mutex
}

// instanceSink delivers one snapshot of an instance at a time: its
// deliveries commit under a lock per instance.
type instanceSink struct {
	inner intake.Sink
	d     *daemon
}

func (s instanceSink) Open(ctx context.Context, mapping string) (intake.Delivery, error) {
	inner, err := s.inner.Open(ctx, mapping)
	if err != nil {
		return nil, err
	}
	return &instanceDelivery{Delivery: inner, d: s.d, key: "mapping:" + mapping}, nil
}

// instanceKeyed is a delivery that wants to know the instance of the
// topology it carries before Commit.
type instanceKeyed interface {
	setInstance(inst model.Instance)
}

// instanceDelivery commits under the lock of its instance, so that two
// mappings of one instance do not interleave the chunks of their
// snapshots.
type instanceDelivery struct {
	intake.Delivery
	d   *daemon
	key string
}

func (x *instanceDelivery) setInstance(inst model.Instance) {
	x.key = inst.Type + "\x00" + inst.URL
}

func (x *instanceDelivery) Commit(ctx context.Context) error {
	m, _ := x.d.deliveries.LoadOrStore(x.key, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	defer mu.Unlock()
	return x.Delivery.Commit(ctx)
}

// entry is one scheduled mapping and what it last did.
type entry struct {
	plan   *mapping.Plan
	last   *lastRun
	queue  *telemetryQueue
	finger string // the file's size and time when it was compiled
}

// fileFinger is a file's size and modification time.
func fileFinger(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d %d", info.Size(), info.ModTime().UnixNano())
}

// unchanged reports the mapping compiled from path when the file is as it
// was then.
func (d *daemon) unchanged(path, finger string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, e := range d.entries {
		if e.plan.Path == path && e.finger == finger && finger != "" {
			return name, true
		}
	}
	return "", false
}

type lastRun struct {
	At         time.Time `json:"at"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason,omitempty"`
	Duration   float64   `json:"duration_seconds"`
	Components int       `json:"components"`
	Relations  int       `json:"relations"`
	Envelopes  int       `json:"envelopes"`
	Error      string    `json:"error,omitempty"`
}

func (c *CLI) daemon(cfg daemonConfig) int {
	log := cfg.runOpt.Logger
	for _, p := range cfg.plans {
		if p.Schedule == nil {
			c.errorf("%s: mapping %s has no schedule; the daemon needs one (or use run --once)", p.NamePos, p.Name)
			return ExitInvalid
		}
	}
	d := &daemon{c: c, cfg: cfg, metrics: newMetrics(), entries: map[string]*entry{}}
	d.runner = schedule.NewRunner(log, schedule.Hooks{
		Skipped:  func(m string) { d.metrics.skipped.WithLabelValues(m).Inc() },
		Panicked: func(m string, _ any) { d.metrics.failures.WithLabelValues(m, "panic").Inc() },
	})
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		c.errorf("--listen %s: %v", cfg.listen, err)
		return ExitUsage
	}
	srv := &http.Server{Handler: d.handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(c.Stderr, "stackmap: serving /healthz /readyz /metrics /status on %s\n", ln.Addr())

	if s, ok := cfg.sink.(*intake.StackState); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.Probe(ctx); err != nil {
			log.Warn("the start-up probe of the receiver failed; the daemon starts anyway and keeps trying", "error", err)
		} else {
			log.Info("the receiver answers", "url", s.URL)
		}
		cancel()
	}
	for _, p := range cfg.plans {
		d.schedule(p, true)
	}
	d.runner.Start()
	d.ready.Store(true)
	log.Info("daemon started", "mappings", len(cfg.plans))

	signals := c.Signals
	if signals == nil {
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		defer signal.Stop(ch)
		signals = ch
	}
	changes := make(chan struct{}, 1)
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	if cfg.watch > 0 {
		go d.watch(cfg.watch, changes, stopWatch)
	}
	for {
		var sig os.Signal
		select {
		case <-changes:
			log.Info("a mapping file changed; reloading")
			d.reloadMappings()
			continue
		case sig = <-signals:
		}
		if sig == syscall.SIGHUP {
			d.reloadMappings()
			continue
		}
		log.Info("stopping: waiting for runs under way", "signal", sig.String(), "grace", cfg.grace)
		d.ready.Store(false)
		d.runner.Stop(cfg.grace)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(ctx)
		cancel()
		log.Info("stopped")
		return ExitOK
	}
}

// watch checks the mapping files every interval and says on changes when
// one was added, removed or changed.
func (d *daemon) watch(interval time.Duration, changes chan<- struct{}, stop <-chan struct{}) {
	last := d.fingerprint()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if now := d.fingerprint(); now != last {
			last = now
			select {
			case changes <- struct{}{}:
			default:
			}
		}
	}
}

// fingerprint sums up the mapping files' names, sizes and times.
func (d *daemon) fingerprint() string {
	files, err := findMappings(d.cfg.paths)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", f, info.Size(), info.ModTime().UnixNano())
		}
	}
	return b.String()
}

// schedule adds (or replaces) a mapping's job; first runs it at once too.
func (d *daemon) schedule(p *mapping.Plan, first bool) {
	d.mu.Lock()
	q := &telemetryQueue{size: d.cfg.queueSize, dropped: func(n int) { d.metrics.telemetryDropped.WithLabelValues(p.Name).Add(float64(n)) }}
	var last *lastRun
	if old := d.entries[p.Name]; old != nil {
		q, last = old.queue, old.last // a reloaded mapping keeps what waits and its last run
	}
	d.entries[p.Name] = &entry{plan: p, queue: q, last: last, finger: fileFinger(p.Path)}
	d.mu.Unlock()
	job := schedule.Job{Name: p.Name, Schedule: p.Schedule, Run: func(ctx context.Context) { d.runMapping(ctx, p.Name) }}
	d.runner.Add(job)
	if first {
		d.runner.RunNow(job)
	}
}

// runMapping runs the current version of a mapping once.
func (d *daemon) runMapping(ctx context.Context, name string) {
	d.mu.Lock()
	e := d.entries[name]
	d.mu.Unlock()
	if e == nil {
		return
	}
	p := e.plan
	log := d.cfg.runOpt.Logger
	st, err := d.cfg.store.Load(p.Name)
	if err != nil {
		log.Warn(err.Error(), "mapping", p.Name)
	}
	sink := d.cfg.sink
	if s, ok := sink.(*intake.StackState); ok {
		copied := *s
		copied.OnRetry = func() { d.metrics.retries.WithLabelValues(p.Name).Inc() }
		copied.OnSent = func(n int) { d.metrics.bytesSent.WithLabelValues(p.Name).Add(float64(n)) }
		sink = &copied
	}
	sink = instanceSink{inner: sink, d: d}
	opt := d.cfg.runOpt
	opt.Now = time.Time{}
	start := time.Now()
	pay := d.cfg.payOpt
	pay.Now = time.Now() // collection_timestamp is the run's, not the daemon's start
	d.mu.Lock()
	force := d.cfg.forced[p.Name]
	d.mu.Unlock()
	out := d.c.runOnce(ctx, p, st, force, opt, pay, sink, e.queue)
	if out.Forced && out.Err == nil {
		d.mu.Lock()
		delete(d.cfg.forced, p.Name) // --force-shrink holds once
		d.mu.Unlock()
	}
	d.metrics.queued.WithLabelValues(p.Name).Set(float64(e.queue.len()))
	if err := d.cfg.store.Save(st); err != nil {
		log.Error("cannot save the state", "mapping", p.Name, "error", err)
	}
	last := &lastRun{At: start.UTC(), Outcome: "ok", Duration: time.Since(start).Seconds(), Envelopes: out.Envelopes}
	m := d.metrics
	m.duration.WithLabelValues(p.Name).Observe(last.Duration)
	if r := out.Result; r != nil {
		for _, s := range r.Sources {
			m.recordsIn.WithLabelValues(p.Name).Add(float64(s.Records))
		}
		if r.Batch != nil {
			last.Components, last.Relations = r.Components, r.Relations
			for kind, n := range map[string]int{"component": r.Components, "relation": r.Relations,
				"metric": len(r.Batch.Metrics) - out.Requeued.Metrics, "event": len(r.Batch.Events) - out.Requeued.Events, "health": len(r.Batch.HealthStates)} {
				m.elementsOut.WithLabelValues(p.Name, kind).Add(float64(n))
			}
		}
	}
	if out.Err != nil {
		last.Outcome, last.Reason, last.Error = "failed", out.Reason, out.Err.Error()
		m.runs.WithLabelValues(p.Name, "failed").Inc()
		m.failures.WithLabelValues(p.Name, out.Reason).Inc()
		if out.Reason == "shrink_guard" {
			m.shrinkRefusals.WithLabelValues(p.Name).Inc()
		}
		log.Warn("run failed", "mapping", p.Name, "reason", out.Reason, "duration", time.Since(start), "error", out.Err)
	} else {
		m.runs.WithLabelValues(p.Name, "ok").Inc()
		m.lastSuccess.WithLabelValues(p.Name).Set(float64(time.Now().Unix()))
		log.Info("run delivered", "mapping", p.Name, "duration", time.Since(start), "components", last.Components, "relations", last.Relations, "envelopes", out.Envelopes)
	}
	d.mu.Lock()
	if cur := d.entries[p.Name]; cur != nil {
		cur.last = last
	}
	d.mu.Unlock()
}

// reloadMappings compiles the mappings again. A mapping that no longer
// compiles keeps its running version; a removed one stops.
func (d *daemon) reloadMappings() {
	log := d.cfg.runOpt.Logger
	files, err := findMappings(d.cfg.paths)
	if err != nil {
		log.Error("reload: cannot list the mappings; keeping them all", "error", err)
		d.setReload(err.Error())
		return
	}
	seen := map[string]bool{}
	var problems []string
	for _, f := range files {
		finger := fileFinger(f)
		if name, unchanged := d.unchanged(f, finger); unchanged {
			seen[name] = true // as it was: keep its schedule and its last run
			continue
		}
		p, err := d.c.compile(f)
		if err == nil && p.Schedule == nil {
			err = fmt.Errorf("%s: mapping %s has no schedule; the daemon needs one", p.NamePos, p.Name)
		}
		if err != nil {
			log.Error("reload: a mapping does not validate; its running version stays", "file", f, "error", err)
			problems = append(problems, err.Error())
			d.mu.Lock()
			for name, e := range d.entries {
				if e.plan.Path == f {
					seen[name] = true
				}
			}
			d.mu.Unlock()
			continue
		}
		seen[p.Name] = true
		d.schedule(p, false)
	}
	d.mu.Lock()
	var removed []string
	for name := range d.entries {
		if !seen[name] {
			removed = append(removed, name)
		}
	}
	d.mu.Unlock()
	for _, name := range removed {
		d.runner.Remove(name)
		d.mu.Lock()
		delete(d.entries, name)
		d.mu.Unlock()
		log.Info("reload: mapping removed", "mapping", name)
	}
	msg := ""
	if len(problems) > 0 {
		msg = fmt.Sprintf("%d mapping(s) failed to reload: %s", len(problems), problems[0])
	}
	d.setReload(msg)
	log.Info("reloaded", "mappings", len(seen), "problems", len(problems))
}

func (d *daemon) setReload(msg string) {
	d.mu.Lock()
	d.reload = msg
	d.mu.Unlock()
}

// handler serves /healthz, /readyz, /metrics and /status.
func (d *daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !d.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(d.status())
	})
	return mux
}

type mappingStatus struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	Schedule string    `json:"schedule"`
	NextRun  time.Time `json:"next_run,omitzero"`
	Last     *lastRun  `json:"last,omitempty"`
	Runs     int64     `json:"runs"`
	Failures int64     `json:"failures"`
	// Delivered is the last delivered snapshot's size.
	Delivered *deliveredStatus `json:"delivered,omitempty"`
}

type deliveredStatus struct {
	At         time.Time `json:"at"`
	Components int       `json:"components"`
	Relations  int       `json:"relations"`
}

type daemonStatus struct {
	Ready    bool            `json:"ready"`
	Reload   string          `json:"reload_problem,omitempty"`
	Mappings []mappingStatus `json:"mappings"`
}

func (d *daemon) status() daemonStatus {
	d.mu.Lock()
	out := daemonStatus{Ready: d.ready.Load(), Reload: d.reload, Mappings: []mappingStatus{}}
	var names []string
	for n := range d.entries {
		names = append(names, n)
	}
	entries := make(map[string]entry, len(d.entries))
	for n, e := range d.entries {
		entries[n] = *e
	}
	d.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		e := entries[n]
		ms := mappingStatus{Name: n, Path: e.plan.Path, Schedule: e.plan.ScheduleSpec, NextRun: d.runner.Next(n), Last: e.last}
		if st, err := d.cfg.store.Load(n); err == nil {
			ms.Runs, ms.Failures = st.Runs, st.Failures
			if s := st.Delivered; s != nil {
				ms.Delivered = &deliveredStatus{At: s.At, Components: s.Components, Relations: s.Relations}
			}
		}
		out.Mappings = append(out.Mappings, ms)
	}
	return out
}

// metrics are the daemon's Prometheus metrics, labelled by mapping.
type metrics struct {
	registry         *prometheus.Registry
	runs             *prometheus.CounterVec
	failures         *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	recordsIn        *prometheus.CounterVec
	elementsOut      *prometheus.CounterVec
	retries          *prometheus.CounterVec
	shrinkRefusals   *prometheus.CounterVec
	skipped          *prometheus.CounterVec
	lastSuccess      *prometheus.GaugeVec
	bytesSent        *prometheus.CounterVec
	queued           *prometheus.GaugeVec
	telemetryDropped *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry:         prometheus.NewRegistry(),
		runs:             prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_runs_total", Help: "Runs by mapping and outcome (ok, failed)."}, []string{"mapping", "outcome"}),
		failures:         prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_run_failures_total", Help: "Failed runs by mapping and reason (run, build, shrink_guard, deliver, panic)."}, []string{"mapping", "reason"}),
		duration:         prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "stackmap_run_duration_seconds", Help: "Duration of runs, delivery included.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}, []string{"mapping"}),
		recordsIn:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_records_in_total", Help: "Records read from the sources."}, []string{"mapping"}),
		elementsOut:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_elements_out_total", Help: "Elements built, by kind."}, []string{"mapping", "kind"}),
		retries:          prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_delivery_retries_total", Help: "Retried deliveries of a chunk to the receiver."}, []string{"mapping"}),
		shrinkRefusals:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_shrink_refusals_total", Help: "Snapshots the shrink guard refused."}, []string{"mapping"}),
		skipped:          prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_skipped_runs_total", Help: "Runs skipped because the previous run still ran."}, []string{"mapping"}),
		lastSuccess:      prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "stackmap_last_success_timestamp_seconds", Help: "When the last run that delivered finished."}, []string{"mapping"}),
		bytesSent:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_bytes_sent_total", Help: "Compressed bytes the receiver accepted."}, []string{"mapping"}),
		queued:           prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "stackmap_telemetry_queued", Help: "Metrics and events of failed deliveries waiting for the next run."}, []string{"mapping"}),
		telemetryDropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stackmap_telemetry_dropped_total", Help: "Queued metrics and events dropped because the queue was full."}, []string{"mapping"}),
	}
	m.registry.MustRegister(m.runs, m.failures, m.duration, m.recordsIn, m.elementsOut, m.retries, m.shrinkRefusals, m.skipped, m.lastSuccess, m.bytesSent, m.queued, m.telemetryDropped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
