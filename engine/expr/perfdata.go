package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/itchyny/gojq"
)

// perfdataDoc documents nagios_perfdata for the Functions list.
const perfdataDoc = `parses a Nagios performance data string ("rta=0.065ms;100;500;0; pl=0%;20;60;;") into [{label, value, unit, warn, crit, min, max}]; malformed items are skipped`

// perfdataFunction is the jq function nagios_perfdata.
//
// Its input is a Nagios performance data string as plugins print it after
// the "|" and as the JSON CGIs return it in perf_data: items separated by
// spaces, each
//
//	'label'=value[UOM];[warn];[crit];[min];[max]
//
// The label may be quoted with single quotes, and must be when it holds a
// space or an "="; inside the quotes, two single quotes in a row stand for
// one. Each item becomes an object
//
//	{label: string, value: number, unit: string, warn: string, crit: string, min: string, max: string}
//
// unit is the text between the number and the first ";" ("" if none). The
// four thresholds are strings, "" when empty or missing, since Nagios
// ranges such as "10:20", "~:5" or "@5" are not numbers; fields after the
// fifth are ignored.
//
// Malformed items are skipped, not reported: an item without "=", with an
// empty label, with an unterminated quote, with a value that is not a finite
// number (including "U", "undetermined"), or whose unit starts with a digit,
// "." or "," (as in "0,5", a locale's decimal comma). One misbehaving plugin
// must not fail the run of a whole Nagios server, which would send nothing;
// the agent check skipped such items the same way. The result is the list
// of the well-formed items, in order, [] for "" or null. An input that is
// neither a string nor null is an error.
func perfdataFunction() gojq.CompilerOption {
	return gojq.WithFunction("nagios_perfdata", 0, 0, func(in any, _ []any) any {
		switch s := in.(type) {
		case nil:
			return []any{}
		case string:
			return parsePerfdata(s)
		default:
			return fmt.Errorf("nagios_perfdata: the input must be a string (or null), got %s", Describe(in, 60))
		}
	})
}

// parsePerfdata splits s into its well-formed items.
func parsePerfdata(s string) []any {
	out := []any{}
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return out
		}
		var label string
		var ok bool
		label, i, ok = perfLabel(s, i)
		if !ok {
			i = skipItem(s, i)
			continue
		}
		end := skipItem(s, i)
		if item, good := perfItem(label, s[i:end]); good {
			out = append(out, item)
		}
		i = end
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipItem returns the index of the first space at or after i, or len(s).
func skipItem(s string, i int) int {
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	return i
}

// perfLabel reads the label at s[i:] and the "=" after it, and returns the
// label and the index after the "=". ok is false, with the index where the
// bad item's remainder starts, when there is no well-formed label.
func perfLabel(s string, i int) (label string, next int, ok bool) {
	if s[i] != '\'' {
		j := i
		for j < len(s) && s[j] != '=' && !isSpace(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '=' || j == i {
			return "", j, false
		}
		return s[i:j], j + 1, true
	}
	var b strings.Builder
	j := i + 1
	for {
		if j >= len(s) {
			return "", j, false // unterminated quote: the rest is one bad item
		}
		if s[j] == '\'' {
			if j+1 < len(s) && s[j+1] == '\'' {
				b.WriteByte('\'')
				j += 2
				continue
			}
			j++
			break
		}
		b.WriteByte(s[j])
		j++
	}
	if j >= len(s) || s[j] != '=' || b.Len() == 0 {
		return "", j, false
	}
	return b.String(), j + 1, true
}

// perfItem parses "value[UOM];warn;crit;min;max".
func perfItem(label, rest string) (map[string]any, bool) {
	fields := strings.Split(rest, ";")
	n := numberPrefix(fields[0])
	if n == 0 {
		return nil, false
	}
	v, err := strconv.ParseFloat(fields[0][:n], 64)
	if err != nil { // out of range
		return nil, false
	}
	unit := fields[0][n:]
	if unit != "" && strings.IndexByte("0123456789.,+-", unit[0]) >= 0 {
		return nil, false
	}
	item := map[string]any{"label": label, "value": v, "unit": unit}
	for k, name := range []string{"warn", "crit", "min", "max"} {
		item[name] = ""
		if k+1 < len(fields) {
			item[name] = fields[k+1]
		}
	}
	return item, true
}

// numberPrefix returns the length of the decimal number at the start of s
// (an optional sign, digits with an optional fraction, an optional
// exponent), or 0.
func numberPrefix(s string) int {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	return i
}
