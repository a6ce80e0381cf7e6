// Command stackmap turns YAML mappings into StackState topology, telemetry
// and health. See the README and docs/ for its use.
package main

import (
	"os"

	"github.com/stackmap/stackmap/engine/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:])) }
