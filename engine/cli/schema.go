package cli

import (
	"encoding/json"
	"io"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/source"
)

func (c *CLI) schema(args []string) int {
	fs := c.flags("schema", "", "Print the JSON Schema of mapping files. Editors with a YAML language server use it\nthrough the comment '# yaml-language-server: $schema=PATH' at the top of a mapping.")
	tests := fs.Bool("tests", false, "print the schema of test files (<name>.test.yaml) instead")
	if _, code := parse(fs, args); code >= 0 {
		return code
	}
	if *tests {
		if err := WriteTestSchema(c.Stdout); err != nil {
			c.errorf("%v", err)
			return ExitRuntime
		}
		return ExitOK
	}
	if err := WriteSchema(c.Stdout); err != nil {
		c.errorf("%v", err)
		return ExitRuntime
	}
	return ExitOK
}

// WriteSchema writes the JSON Schema of mapping files with every
// registered source kind.
func WriteSchema(w io.Writer) error {
	var kinds []config.SchemaKind
	for _, name := range source.Kinds() {
		k, _ := source.Lookup(name)
		kinds = append(kinds, config.SchemaKind{Name: k.Name, Doc: k.Doc, Spec: k.NewSpec()})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(config.Schema(kinds))
}

// WriteTestSchema writes the JSON Schema of mapping test files.
func WriteTestSchema(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(config.TestSchema())
}
