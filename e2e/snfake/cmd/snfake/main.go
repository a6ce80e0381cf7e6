// Command snfake serves the fake ServiceNow Table API of package snfake,
// for recording fixtures and for trying mappings by hand.
//
//	go run ./e2e/snfake/cmd/snfake -addr 127.0.0.1:8089
//	SN_URL=http://127.0.0.1:8089 SN_USER=stackmap SN_PASSWORD=snfake-Pa55word bin/stackmap preview mappings/servicenow/servicenow.yaml
//
// With -proxy it is an HTTP(S) proxy instead, answering every request to
// any host itself and presenting certificates from a CA it writes to -ca,
// so that a mapping can be recorded with its real instance URL:
//
//	go run ./e2e/snfake/cmd/snfake -proxy -addr 127.0.0.1:8089 -ca /tmp/snfake-ca.pem
//	HTTPS_PROXY=http://127.0.0.1:8089 SSL_CERT_FILE=/tmp/snfake-ca.pem SN_USER=stackmap SN_PASSWORD=snfake-Pa55word \
//	  bin/stackmap preview mappings/servicenow/servicenow.yaml --record mappings/servicenow/testdata/fixtures
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stackmap/stackmap/e2e/snfake"
)

type faults []snfake.Fault

func (f *faults) String() string { return fmt.Sprint(len(*f)) }

// Set parses TABLE:PAGE:STATUS[:RETRY_AFTER[:TIMES]], such as
// cmdb_ci:3:500 or cmdb_ci:2:429:1:1.
func (f *faults) Set(s string) error {
	p := strings.Split(s, ":")
	if len(p) < 3 || len(p) > 5 {
		return errors.New("want TABLE:PAGE:STATUS[:RETRY_AFTER[:TIMES]]")
	}
	page, err1 := strconv.Atoi(p[1])
	status, err2 := strconv.Atoi(p[2])
	if err1 != nil || err2 != nil {
		return errors.New("PAGE and STATUS are numbers")
	}
	x := snfake.Fault{Table: p[0], Page: page, Status: status}
	if len(p) > 3 {
		x.RetryAfter = p[3]
	}
	if len(p) > 4 {
		if x.Times, err1 = strconv.Atoi(p[4]); err1 != nil {
			return errors.New("TIMES is a number")
		}
	}
	*f = append(*f, x)
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "address to listen on")
	user := flag.String("user", snfake.DefaultUser, "Basic auth user")
	password := flag.String("password", snfake.DefaultPassword, "Basic auth password")
	baseURL := flag.String("base-url", "", "instance URL in Link headers and links (default: from each request)")
	latency := flag.Duration("latency", 0, "delay every answer by this much")
	drift := flag.Bool("drift", false, "return rows whose order the query leaves open in an order that changes from page to page")
	proxy := flag.Bool("proxy", false, "serve as an HTTP(S) proxy that answers every host itself")
	caFile := flag.String("ca", "", "with -proxy: write the CA certificate (PEM) here, for SSL_CERT_FILE")
	var fs faults
	flag.Var(&fs, "fail", "fail requests: TABLE:PAGE:STATUS[:RETRY_AFTER[:TIMES]] (repeatable)")
	flag.Parse()

	srv := snfake.New(snfake.Config{
		Users:   map[string]string{*user: *password},
		BaseURL: *baseURL,
		Latency: *latency,
		Drift:   *drift,
	})
	for _, f := range fs {
		srv.AddFault(f)
	}
	var h http.Handler = logged(srv)
	if *proxy {
		p, err := snfake.NewProxy(h)
		if err != nil {
			log.Fatal(err)
		}
		defer p.Close()
		if *caFile != "" {
			if err := os.WriteFile(*caFile, p.CAPEM(), 0o644); err != nil {
				log.Fatal(err)
			}
		}
		h = p
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *proxy {
		log.Printf("snfake: ServiceNow Table API as a proxy on http://%s (user %s); CA in %s", ln.Addr(), *user, *caFile)
	} else {
		log.Printf("snfake: ServiceNow Table API on http://%s (user %s)", ln.Addr(), *user)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		_ = hs.Close()
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// logged logs every request with its answer's status.
func logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &status{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		log.Printf("%d %s %s%s", sw.code, r.Method, r.Host, r.URL.RequestURI())
	})
}

type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}
