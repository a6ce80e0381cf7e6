package sql

import (
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stackmap/stackmap/engine/expr"
)

// normalizer turns the values a driver scans into JSON values, guided by
// each column's database type.
type normalizer struct {
	driver string
	types  []string // upper-case database type names
}

func newNormalizer(driver string, cols []*sql.ColumnType) *normalizer {
	n := &normalizer{driver: driver, types: make([]string, len(cols))}
	for i, c := range cols {
		n.types[i] = strings.ToUpper(c.DatabaseTypeName())
	}
	return n
}

// value normalises the value of column i.
func (n *normalizer) value(i int, v any) (any, error) {
	typ := n.types[i]
	switch v := v.(type) {
	case nil:
		return nil, nil
	case bool, string:
		if s, ok := v.(string); ok {
			return n.text(typ, s)
		}
		return v, nil
	case int64:
		if typ == "BOOL" || typ == "BOOLEAN" {
			return v != 0, nil
		}
		return int(v), nil
	case float64:
		return v, nil
	case float32:
		// The shortest decimal that reads back as this float32, so that
		// REAL 0.1 is 0.1 and not 0.10000000149011612.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
		return f, nil
	case time.Time:
		return timeValue(typ, v), nil
	case []byte:
		return n.bytes(typ, v)
	case [16]byte: // a UUID
		return fmt.Sprintf("%x-%x-%x-%x-%x", v[0:4], v[4:6], v[6:8], v[8:10], v[10:16]), nil
	}
	return expr.Normalize(v), nil
}

// text normalises a value the driver gave as a string.
func (n *normalizer) text(typ, s string) (any, error) {
	switch {
	case typ == "JSON" || typ == "JSONB":
		v, err := expr.DecodeJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		return v, nil
	case isDecimal(typ):
		return decimal(s), nil
	case isInt(typ):
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return int(i), nil
		}
		return decimal(s), nil
	case isFloat(typ):
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, nil
		}
	case typ == "DATE" || typ == "DATETIME" || typ == "TIMESTAMP" || typ == "TIMESTAMPTZ":
		if t, ok := parseTime(s); ok {
			return timeValue(typ, t), nil
		}
	}
	return s, nil
}

// bytes normalises a value the driver gave as bytes: MySQL's text
// protocol gives every value so.
func (n *normalizer) bytes(typ string, b []byte) (any, error) {
	if typ == "BIT" {
		var i uint64
		for _, c := range b {
			i = i<<8 | uint64(c)
		}
		return expr.Normalize(i), nil
	}
	if typ == "BYTEA" || typ == "BLOB" || typ == "BINARY" || typ == "VARBINARY" || strings.HasSuffix(typ, "BLOB") {
		if utf8.Valid(b) {
			return string(b), nil
		}
		return fmt.Sprintf("\\x%x", b), nil // PostgreSQL's hex form
	}
	return n.text(typ, string(b))
}

func isDecimal(typ string) bool { return typ == "NUMERIC" || typ == "DECIMAL" }

func isInt(typ string) bool {
	switch strings.TrimPrefix(typ, "UNSIGNED ") {
	case "INT", "INT2", "INT4", "INT8", "INTEGER", "SMALLINT", "BIGINT", "TINYINT", "MEDIUMINT", "YEAR":
		return true
	}
	return false
}

func isFloat(typ string) bool {
	switch typ {
	case "FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "REAL", "DOUBLE PRECISION":
		return true
	}
	return false
}

// decimal turns exact decimal text into an int or *big.Int when whole, a
// float64 when that prints as the same digits, and otherwise keeps the text
// with all its digits.
func decimal(s string) any {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	if r.IsInt() {
		i := r.Num()
		if i.IsInt64() && i.Int64() >= math.MinInt && i.Int64() <= math.MaxInt {
			return int(i.Int64())
		}
		return i
	}
	// A float64 serves when it prints as the same number: 0.1 does,
	// 3.14159265358979323846 does not.
	f, _ := r.Float64()
	if strconv.FormatFloat(f, 'f', -1, 64) == trimDecimal(s) {
		return f
	}
	return s
}

// trimDecimal drops a plus sign, leading zeros and trailing fractional
// zeros: "+010.500" → "10.5".
func trimDecimal(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	s = strings.TrimLeft(s, "0")
	if s == "" || strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if neg {
		s = "-" + s
	}
	return s
}

// timeValue formats a date as 2006-01-02 and anything else as RFC 3339.
func timeValue(typ string, t time.Time) string {
	if typ == "DATE" {
		return t.Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
