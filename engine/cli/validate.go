package cli

import (
	"fmt"
)

func (c *CLI) validate(args []string) int {
	fs := c.flags("validate", "PATH…", "Load and compile every mapping under the paths (files or directories) and report\nevery problem as file:line:col: message. Exit 3 if any mapping is invalid.")
	quiet := fs.Bool("q", false, "print only problems")
	paths, code := parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) == 0 {
		return c.usageErr(fs, "name at least one mapping file or directory")
	}
	files, err := findMappings(paths)
	if err != nil {
		c.errorf("%v", err)
		return ExitUsage
	}
	if len(files) == 0 {
		c.errorf("no mapping files (*.yaml, *.yml) under %v", paths)
		return ExitUsage
	}
	plans, ok := c.compileAll(files)
	if !*quiet {
		for _, p := range plans {
			fmt.Fprintf(c.Stdout, "ok  %s (%s)\n", p.Path, p.Name)
		}
	}
	if !ok {
		fmt.Fprintf(c.Stderr, "%d of %d mapping(s) invalid\n", len(files)-len(plans), len(files))
		return ExitInvalid
	}
	return ExitOK
}
