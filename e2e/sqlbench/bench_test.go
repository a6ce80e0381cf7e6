//go:build sqlbench

package sqlbench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/cli"
)

// pg is the PostgreSQL server the benchmark runs against.
type pg struct {
	dsn, socket, port string
}

// setup finds or starts the server and fills bench_ci with rows rows,
// unless it already holds exactly that many.
func setup(tb testing.TB) (*pg, int, time.Duration) {
	tb.Helper()
	if os.Getenv("STACKMAP_BIN") == "" {
		tb.Fatal("STACKMAP_BIN is not set; build bin/stackmap and set it, or use e2e/sqlbench/run.sh")
	}
	rows := 1000000
	if s := os.Getenv("SQLBENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			tb.Fatalf("SQLBENCH_ROWS=%q is not a positive number", s)
		}
		rows = n
	}
	dir := os.Getenv("SQLBENCH_PG_DIR")
	if dir == "" {
		if os.Geteuid() != 0 {
			tb.Skip("set SQLBENCH_PG_DIR to a server started with e2e/sqldb/start-postgres.sh, or run as root")
		}
		var err error
		if dir, err = os.MkdirTemp("", "stackmap-sqlbench-"); err != nil {
			tb.Fatal(err)
		}
		os.Chmod(dir, 0o755)
		tb.Cleanup(func() { os.RemoveAll(dir) })
		tb.Cleanup(func() {
			if out, err := exec.Command("../sqldb/stop-postgres.sh", dir).CombinedOutput(); err != nil {
				tb.Errorf("stop-postgres.sh: %v\n%s", err, out)
			}
		})
		cmd := exec.Command("../sqldb/start-postgres.sh", dir)
		cmd.Env = append(os.Environ(), "SQLDB_PG_PORT="+envOr("SQLDB_PG_PORT", "55434"))
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("start-postgres.sh: %v\n%s", err, out)
		}
	}
	env := readEnv(tb, filepath.Join(dir, "env"))
	p := &pg{dsn: env["CMDB_DSN"], socket: env["SQLDB_SOCKET"], port: env["SQLDB_PORT"]}

	var gen time.Duration
	if have, _ := p.psqlOut("SELECT count(*) FROM bench_ci"); have != strconv.Itoa(rows) {
		start := time.Now()
		out, err := exec.Command("psql", "-X", "-q", "-h", p.socket, "-p", p.port, "-U", "cmdb", "-d", "cmdb",
			"-v", "rows="+strconv.Itoa(rows), "-f", "generate.sql").CombinedOutput()
		if err != nil {
			tb.Fatalf("generate.sql: %v\n%s", err, out)
		}
		gen = time.Since(start)
	}
	return p, rows, gen
}

func (p *pg) psqlOut(query string) (string, error) {
	out, err := exec.Command("psql", "-X", "-A", "-t", "-h", p.socket, "-p", p.port, "-U", "cmdb", "-d", "cmdb", "-c", query).Output()
	return strings.TrimSpace(string(out)), err
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func readEnv(tb testing.TB, path string) map[string]string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (is SQLBENCH_PG_DIR a directory of e2e/sqldb/start-postgres.sh?)", err)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = strings.Trim(v, "'")
		}
	}
	return env
}

// result is one measured run.
type result struct {
	Case       string
	Rows       int
	Wall       time.Duration
	User, Sys  time.Duration
	MaxRSS     int64 // bytes
	Out        int64 // payload bytes written
	Envelopes  int
	Components int
	ExitCode   int
	Stderr     string
}

func (r result) RowsPerSec() float64 { return float64(r.Rows) / r.Wall.Seconds() }

// counter counts the bytes, lines and occurrences of a marker written to
// it, without keeping them.
type counter struct {
	marker []byte
	tail   []byte
	bytes  int64
	lines  int
	hits   int
}

func (c *counter) Write(b []byte) (int, error) {
	c.bytes += int64(len(b))
	c.lines += bytes.Count(b, []byte{'\n'})
	buf := append(c.tail, b...)
	c.hits += bytes.Count(buf, c.marker)
	// Keep the last len(marker)-1 bytes: a marker split across two writes
	// is counted on the second, and none fits in them whole.
	keep := min(len(c.marker)-1, len(buf))
	c.tail = append(c.tail[:0], buf[len(buf)-keep:]...)
	return len(b), nil
}

// run times one bin/stackmap run --once --output stdout of a mapping in
// testdata/.
func run(tb testing.TB, p *pg, rows int, name string) result {
	tb.Helper()
	out := &counter{marker: []byte(`"externalId":"urn:bench:ci:`)}
	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("STACKMAP_BIN"), "run", "--once", "--output", "stdout",
		"--hostname", "sqlbench", "--log-level", "warn", filepath.Join("testdata", name+".yaml"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tb.TempDir(), "SQLBENCH_DSN=" + p.dsn, "STACKMAP_STATE_DIR=" + tb.TempDir()}
	cmd.Stdout, cmd.Stderr = out, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{Case: name, Rows: rows, Wall: time.Since(start), Out: out.bytes, Envelopes: out.lines,
		Components: out.hits, Stderr: stderr.String()}
	if cmd.ProcessState == nil {
		tb.Fatalf("%s: %v", name, err)
	}
	r.ExitCode = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
		r.User = time.Duration(ru.Utime.Nano())
		r.Sys = time.Duration(ru.Stime.Nano())
	}
	return r
}

// check fails the test when a run did not do its work.
func check(tb testing.TB, r result) {
	tb.Helper()
	if r.ExitCode != 0 {
		tb.Fatalf("%s: exit %d\n%s", r.Case, r.ExitCode, r.Stderr)
	}
	switch r.Case {
	case "components":
		if r.Components != r.Rows {
			tb.Errorf("components: %d components in the payload, want %d", r.Components, r.Rows)
		}
	case "read":
		if r.Envelopes != 1 {
			tb.Errorf("read: %d envelopes, want 1", r.Envelopes)
		}
	}
}

var cases = []string{"read", "components"}

// TestSQLBench runs every case once and prints a table.
func TestSQLBench(t *testing.T) {
	p, rows, gen := setup(t)
	var results []result
	for _, c := range cases {
		r := run(t, p, rows, c)
		check(t, r)
		results = append(results, r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nsql source benchmark: %d rows of bench_ci on PostgreSQL", rows)
	if gen > 0 {
		fmt.Fprintf(&b, " (generated in %v)", gen.Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "\n\n%-11s %9s %10s %12s %9s %9s %12s %10s %10s\n",
		"CASE", "ROWS", "WALL", "ROWS/S", "USER", "SYS", "PEAK RSS", "PAYLOAD", "ENVELOPES")
	for _, r := range results {
		fmt.Fprintf(&b, "%-11s %9d %10s %12.0f %9s %9s %9.0f MiB %6.0f MiB %10d\n",
			r.Case, r.Rows, r.Wall.Round(time.Millisecond), r.RowsPerSec(), r.User.Round(10*time.Millisecond),
			r.Sys.Round(10*time.Millisecond), float64(r.MaxRSS)/(1<<20), float64(r.Out)/(1<<20), r.Envelopes)
	}
	fmt.Print(b.String())
}

// BenchmarkSQLRunOnce times the components case; use -benchtime 1x, one
// iteration reads every row.
func BenchmarkSQLRunOnce(b *testing.B) {
	p, rows, _ := setup(b)
	var rss int64
	for b.Loop() {
		r := run(b, p, rows, "components")
		check(b, r)
		rss = max(rss, r.MaxRSS)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
}

// TestSQLBenchProfile runs the components case inside the test process,
// with a CPU profile and a heap profile written to $SQLBENCH_PROFILE
// (cpu.pprof, heap.pprof); look at them with go tool pprof. It skips
// without SQLBENCH_PROFILE.
func TestSQLBenchProfile(t *testing.T) {
	dir := os.Getenv("SQLBENCH_PROFILE")
	if dir == "" {
		t.Skip("set SQLBENCH_PROFILE to a directory for the profiles")
	}
	p, rows, _ := setup(t)
	t.Setenv("SQLBENCH_DSN", p.dsn)
	t.Setenv("STACKMAP_STATE_DIR", t.TempDir())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		t.Fatal(err)
	}
	defer cpu.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code := cli.Run([]string{"run", "--once", "--output", "file:" + t.TempDir(), "--hostname", "sqlbench", "testdata/components.yaml"})
	wall := time.Since(start)
	pprof.StopCPUProfile()
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	runtime.GC()
	heap, err := os.Create(filepath.Join(dir, "heap.pprof"))
	if err != nil {
		t.Fatal(err)
	}
	defer heap.Close()
	if err := pprof.Lookup("allocs").WriteTo(heap, 0); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows in %v; profiles in %s", rows, wall.Round(time.Millisecond), dir)
}
