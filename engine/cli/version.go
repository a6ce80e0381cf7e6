package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X …/cli.Version=v1.2.3";
// otherwise the module version or "dev".
var Version = ""

func (c *CLI) version(args []string) int {
	fs := c.flags("version", "", "Print stackmap's version.")
	if _, code := parse(fs, args); code >= 0 {
		return code
	}
	v := Version
	if v == "" {
		v = "dev"
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
	}
	fmt.Fprintf(c.Stdout, "stackmap %s (%s %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return ExitOK
}
