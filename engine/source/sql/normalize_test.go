package sql

import (
	"math/big"
	"reflect"
	"testing"
	"time"
)

// TestNormalize feeds the normaliser values as each driver scans them —
// MySQL's text protocol gives bytes for everything, pgx strings for
// numeric and JSON — and checks the JSON value that comes out.
func TestNormalize(t *testing.T) {
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	at := time.Date(2024, 1, 2, 3, 4, 5, 600, time.FixedZone("CET", 3600))
	cases := []struct {
		driver, typ string
		in          any
		want        any
	}{
		{"mysql", "BIGINT", []byte("-42"), -42},
		{"mysql", "UNSIGNED BIGINT", []byte("18446744073709551615"), new(big.Int).SetUint64(18446744073709551615)},
		{"mysql", "TINYINT", []byte("1"), 1},
		{"mysql", "DECIMAL", []byte("12345678901234567.89"), "12345678901234567.89"},
		{"mysql", "DECIMAL", []byte("10.50"), 10.5},
		{"mysql", "DECIMAL", []byte("100.00"), 100},
		{"mysql", "DECIMAL", []byte("123456789012345678901234567890"), huge},
		{"mysql", "DOUBLE", []byte("0.1"), 0.1},
		{"mysql", "VARCHAR", []byte("web-01"), "web-01"},
		{"mysql", "BLOB", []byte{0xff, 0x00}, `\xff00`},
		{"mysql", "BLOB", []byte("text"), "text"},
		{"mysql", "JSON", []byte(`{"a": 1}`), map[string]any{"a": 1}},
		{"mysql", "DATE", at, "2024-01-02"},
		{"mysql", "DATETIME", at, "2024-01-02T02:04:05.0000006Z"},
		{"mysql", "TIME", []byte("13:45:00"), "13:45:00"},
		{"mysql", "BIT", []byte{1, 0}, 256},
		{"postgres", "NUMERIC", "0.1", 0.1},
		{"postgres", "NUMERIC", "-007.250", -7.25},
		{"postgres", "NUMERIC", "3.14159265358979323846", "3.14159265358979323846"},
		{"postgres", "JSONB", `[1, "x", null]`, []any{1, "x", nil}},
		{"postgres", "BOOL", true, true},
		{"postgres", "INT8", int64(7), 7},
		{"postgres", "FLOAT4", float32(0.5), 0.5},
		{"postgres", "FLOAT4", float32(0.1), 0.1},
		{"postgres", "TIMESTAMPTZ", at, "2024-01-02T02:04:05.0000006Z"},
		{"postgres", "UUID", [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}, "12345678-9abc-def0-0102-030405060708"},
		{"postgres", "BYTEA", []byte("raw"), "raw"},
		{"postgres", "TEXT", nil, nil},
		{"sqlite", "BOOLEAN", int64(0), false},
		{"sqlite", "INTEGER", int64(9007199254740993), 9007199254740993},
	}
	for _, tc := range cases {
		n := &normalizer{driver: tc.driver, types: []string{tc.typ}}
		got, err := n.value(0, tc.in)
		if err != nil {
			t.Errorf("%s %s %v: %v", tc.driver, tc.typ, tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %s %#v: got %#v (%T), want %#v (%T)", tc.driver, tc.typ, tc.in, got, got, tc.want, tc.want)
		}
	}
	n := &normalizer{driver: "postgres", types: []string{"JSON"}}
	if _, err := n.value(0, "{bad"); err == nil {
		t.Error("invalid JSON in a JSON column passed")
	}
}

func TestDSN(t *testing.T) {
	cases := []struct{ driver, dsn, password, masked string }{
		{"postgres", "postgres://cmdb:s3cret@127.0.0.1:5432/cmdb?sslmode=disable", "s3cret", "postgres://cmdb:******@127.0.0.1:5432/cmdb?sslmode=disable"},
		{"postgres", "host=127.0.0.1 user=cmdb password='pa ss' dbname=cmdb", "pa ss", "host=127.0.0.1 user=cmdb password='******' dbname=cmdb"},
		{"postgres", "postgres://cmdb@127.0.0.1/cmdb", "", "postgres://cmdb@127.0.0.1/cmdb"},
		{"mariadb", "cmdb:pw123@tcp(127.0.0.1:3306)/cmdb", "pw123", "cmdb:******@tcp(127.0.0.1:3306)/cmdb"},
		{"sqlite", "file:cmdb.db", "", "file:cmdb.db"},
	}
	for _, tc := range cases {
		if got := dsnPassword(tc.driver, tc.dsn); got != tc.password {
			t.Errorf("dsnPassword(%s, %q) = %q, want %q", tc.driver, tc.dsn, got, tc.password)
		}
		if got := maskDSN(tc.driver, tc.dsn); got != tc.masked {
			t.Errorf("maskDSN(%q) = %q, want %q", tc.dsn, got, tc.masked)
		}
	}
}

func TestLineCol(t *testing.T) {
	q := "SELECT id,\n       nmae\nFROM s"
	if l, c := lineCol(q, 19); l != 2 || c != 8 {
		t.Errorf("position 19 is %d:%d, want 2:8", l, c)
	}
}
