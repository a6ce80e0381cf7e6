package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stackmap/stackmap/bench/cmdb"
)

func main() {
	dir := flag.String("dir", "", "the directory of the export (cmdb_ci.json and cmdb_rel_ci.json, as cmdbgen writes them)")
	addr := flag.String("addr", "127.0.0.1:0", "the address to listen on; port 0 picks a free port")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: cmdbserve -dir DIR [-addr HOST:PORT]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*dir, *addr); err != nil {
		fmt.Fprintf(os.Stderr, "cmdbserve: %v\n", err)
		os.Exit(1)
	}
}

// run serves the export in dir on addr until SIGINT or SIGTERM.
func run(dir, addr string) error {
	s, err := cmdb.NewServer(dir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Printf("pages %s %d %s %d unauthorized %d\n",
		cmdb.CITable, s.Pages(cmdb.CITable), cmdb.RelTable, s.Pages(cmdb.RelTable), s.Unauthorized())
	return nil
}
