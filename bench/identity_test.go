package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/bench/cmdb"
	"github.com/stackmap/stackmap/engine/cli"
)

// TestPayloadIdentity guards the performance work on the engine: the
// payload that run --once writes to stdout for 3000 generated CIs and 6000
// relationships must stay byte for byte the same.
//
// The digests in testdata/cmdb-3000.sha256 and
// testdata/cmdb-3000-chunked.sha256 were taken from the engine BEFORE the
// performance work, commit 672fe80, built from a worktree and run with the
// same arguments on the same generated export (testdata/README says how).
// They must never be regenerated to make this test pass: a different
// digest means the optimised engine writes something else than the engine
// it replaces. Find the difference (run both binaries and diff their
// output) and fix the engine. Only a deliberate change of the generator or
// of cmdb.yaml may change the digests, and then they are taken again from a
// build of 672fe80, never from the current tree.
func TestPayloadIdentity(t *testing.T) {
	dir := t.TempDir()
	if _, err := cmdb.Generate(dir, 3000); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		digest string
		args   []string
	}{
		// One envelope: all 9000 elements fit the default chunk size.
		{"testdata/cmdb-3000.sha256", nil},
		// Nine envelopes, so that chunking and the snapshot's start and
		// stop flags are covered too.
		{"testdata/cmdb-3000-chunked.sha256", []string{"--chunk-size", "1000"}},
	} {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(c.digest, "testdata/"), ".sha256"), func(t *testing.T) {
			data, err := os.ReadFile(c.digest)
			if err != nil {
				t.Fatal(err)
			}
			fields := strings.Fields(string(data))
			if len(fields) == 0 {
				t.Fatalf("%s is empty", c.digest)
			}
			want := fields[0]

			out := runOnce(t, map[string]string{"CMDB_DIR": dir}, "cmdb.yaml", c.args...)
			sum := sha256.Sum256(out)
			if got := hex.EncodeToString(sum[:]); got != want {
				t.Errorf("stackmap run cmdb.yaml %s wrote %d bytes with sha256 %s, want %s (%s): the engine's output changed; do not regenerate the digest, see the test's doc comment",
					strings.Join(c.args, " "), len(out), got, want, c.digest)
			}
		})
	}
}

// runOnce runs stackmap run --once on mapping, with args before it and the
// payload to stdout, in-process, with env as the whole environment, and
// returns the payload.
func runOnce(t *testing.T, env map[string]string, mapping string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	run := &cli.CLI{
		Stdout: &stdout,
		Stderr: &stderr,
		LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		Now:      func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) },
		Hostname: func() (string, error) { return "not-this-host", nil },
	}
	args = append([]string{"run", "--once", "--output", "stdout", "--now", "2026-01-02T03:04:05Z", "--hostname", "bench"}, args...)
	args = append(args, mapping)
	if code := run.Run(args); code != cli.ExitOK {
		t.Fatalf("stackmap %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.Bytes()
}
