package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stackmap/stackmap/bench/cmdb"
)

func main() {
	n := flag.Int("cis", 10000, "configuration items to generate (at least 2); the relationships are twice as many")
	out := flag.String("out", "", "the directory to write cmdb_ci.json and cmdb_rel_ci.json to (created if missing)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: cmdbgen -cis N -out DIR\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	st, err := cmdb.Generate(*out, *n)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cmdbgen: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s\t%d CIs\t%d bytes\n", filepath.Join(*out, cmdb.CIFile), st.CIs, st.CIBytes)
	fmt.Printf("%s\t%d relationships\t%d bytes\n", filepath.Join(*out, cmdb.RelFile), st.Rels, st.RelBytes)
}
