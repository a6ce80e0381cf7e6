package config

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML 1.2 core schema's numbers. The YAML library resolves numbers by
// YAML 1.1 rules, in which 0123 is octal 83 and 1_000 is 1000; ids and zip
// codes in exports must not change like that.
var (
	coreIntRE   = regexp.MustCompile(`^[-+]?[0-9]+$`)
	coreOctRE   = regexp.MustCompile(`^0o[0-7]+$`)
	coreHexRE   = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)
	coreFloatRE = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
)

// coreScalar converts a plain scalar that is not a string under the YAML
// 1.2 core schema: null, a boolean, an int (a *big.Int when it does not fit)
// or a float64. typed is false for strings, which the caller converts.
func coreScalar(n *yaml.Node) (v any, typed bool) {
	if n.Style != 0 && n.Style != yaml.FlowStyle {
		return nil, false // quoted or block: a string
	}
	text := n.Value
	switch n.Tag {
	case "!!null":
		return nil, true
	case "!!bool":
		switch strings.ToLower(text) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case "!!int", "!!float":
		switch {
		case coreIntRE.MatchString(text):
			return coreInt(strings.TrimPrefix(text, "+"), 10), true
		case coreOctRE.MatchString(text):
			return coreInt(text[2:], 8), true
		case coreHexRE.MatchString(text):
			return coreInt(text[2:], 16), true
		case coreFloatRE.MatchString(text):
			f, err := strconv.ParseFloat(text, 64)
			if err == nil {
				return f, true
			}
		}
		switch strings.ToLower(strings.TrimLeft(text, "+-")) {
		case ".inf":
			if strings.HasPrefix(text, "-") {
				return math.Inf(-1), true
			}
			return math.Inf(1), true
		case ".nan":
			return math.NaN(), true
		}
	}
	return nil, false
}

func coreInt(text string, base int) any {
	if i, err := strconv.ParseInt(text, base, 64); err == nil && i >= math.MinInt && i <= math.MaxInt {
		return int(i)
	}
	b, _ := new(big.Int).SetString(text, base)
	return b
}

// DataValue converts a YAML document of a data file (not a mapping) into
// plain JSON values under the YAML 1.2 core schema, without expanding
// ${…}: nil, bool, int, *big.Int, float64, string, []any and
// map[string]any. Duplicate keys and aliases that expand too far are
// errors that name the line and column.
func DataValue(n *yaml.Node) (any, error) {
	d := &Decoder{noExpand: true}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, nil
		}
		n = n.Content[0]
	}
	v, _ := d.Value(n)
	if len(d.errs) > 0 {
		e := d.errs[0]
		return nil, fmt.Errorf("line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return v, nil
}
