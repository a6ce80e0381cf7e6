package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/stackmap/stackmap/engine/receiver"
)

func (c *CLI) receive(args []string) int {
	fs := c.flags("receive", "", "A local StackState receiver for development and tests: it checks payloads as the real\nreceiver does, applies snapshot semantics per instance, and serves what it holds at\n/api/topology, /api/metrics, /api/events, /api/health and /api/log.")
	listen := fs.String("listen", "127.0.0.1:7077", "address to listen on")
	keyFile := fs.String("api-key-file", "", "file holding the API key to require (default: $STACKMAP_API_KEY; none means any key)")
	store := fs.String("store", "", "directory to keep the received topology and health in across restarts")
	failRate := fs.Float64("fail-rate", 0, "share of intake requests to fail on purpose, from 0 to 1")
	failWith := fs.String("fail-with", "500,429,timeout", "the failures to choose from: 500, 429, timeout")
	failDelay := fs.Duration("fail-delay", 15*time.Second, "how long a timeout failure hangs")
	paths, code := parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) > 0 {
		return c.usageErr(fs, "receive takes no arguments")
	}
	if *failRate < 0 || *failRate > 1 {
		return c.usageErr(fs, "--fail-rate must be between 0 and 1")
	}
	key := c.env("STACKMAP_API_KEY")
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return c.usageErr(fs, "--api-key-file: %v", err)
		}
		key = strings.TrimSpace(string(b))
	}
	rc := receiver.New(key)
	if *failRate > 0 {
		kinds := strings.Split(*failWith, ",")
		for _, k := range kinds {
			if k != "500" && k != "429" && k != "timeout" {
				return c.usageErr(fs, "--fail-with takes 500, 429 and timeout, not %q", k)
			}
		}
		rc.Faults = &receiver.Faults{Rate: *failRate, Kinds: kinds, Delay: *failDelay}
	}
	if *store != "" {
		rc.Store = filepath.Join(*store, "receiver.json")
		if err := rc.Load(); err != nil {
			c.errorf("%v", err)
			return ExitRuntime
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return c.usageErr(fs, "--listen %s: %v", *listen, err)
	}
	srv := &http.Server{Handler: rc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(c.Stderr, "stackmap: receiving on http://%s/stsAgent/intake (API at http://%s/api/topology)\n", ln.Addr(), ln.Addr())
	if key == "" {
		fmt.Fprintln(c.Stderr, "stackmap: no API key given: any key is accepted")
	}
	signals := c.Signals
	if signals == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		defer signal.Stop(ch)
		signals = ch
	}
	<-signals
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	return ExitOK
}
