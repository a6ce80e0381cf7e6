package expr

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/itchyny/gojq"
)

// runPerfdata runs src with nagios_perfdata available. It compiles with the
// function's own option, so the test does not depend on functions()
// registering it.
func runPerfdata(t testing.TB, src string, in any) ([]any, error) {
	t.Helper()
	q, err := gojq.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	code, err := gojq.Compile(q, perfdataFunction())
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	iter := code.RunWithContext(context.Background(), in)
	for {
		v, ok := iter.Next()
		if !ok {
			return out, nil
		}
		if err, isErr := v.(error); isErr {
			return out, err
		}
		out = append(out, v)
	}
}

// pd builds one expected item.
func pd(label string, value float64, unit, warn, crit, min, max string) map[string]any {
	return map[string]any{"label": label, "value": value, "unit": unit, "warn": warn, "crit": crit, "min": min, "max": max}
}

func TestNagiosPerfdata(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []any
	}{
		// Real plugin output (monitoring-plugins 2.3.3, Debian 12).
		{
			name: "check_dummy",
			in:   "a=1;2;3;0;10",
			want: []any{pd("a", 1, "", "2", "3", "0", "10")},
		},
		{
			name: "check_ping",
			in:   "rta=0.071000ms;100.000000;500.000000;0.000000 pl=0%;20;60;0;",
			want: []any{
				pd("rta", 0.071, "ms", "100.000000", "500.000000", "0.000000", ""),
				pd("pl", 0, "%", "20", "60", "0", ""),
			},
		},
		{
			name: "check_ping as in the agent check's fixture",
			in:   "rta=0.065ms;100.000;500.000;0; pl=0%;20;60;;",
			want: []any{
				pd("rta", 0.065, "ms", "100.000", "500.000", "0", ""),
				pd("pl", 0, "%", "20", "60", "", ""),
			},
		},
		{
			name: "check_disk",
			in:   "/=13378781184B;216442024755;243497277849;0;270552530944",
			want: []any{pd("/", 13378781184, "B", "216442024755", "243497277849", "0", "270552530944")},
		},
		{
			name: "check_disk, two mounts in MB",
			in:   "/=12759MB;103210;116112;0;129014 /boot=85MB;380;428;0;476",
			want: []any{
				pd("/", 12759, "MB", "103210", "116112", "0", "129014"),
				pd("/boot", 85, "MB", "380", "428", "0", "476"),
			},
		},
		{
			name: "check_load with a trailing space",
			in:   "load1=0.480;5.000;10.000;0; load5=0.910;4.000;8.000;0; load15=1.000;3.000;6.000;0; ",
			want: []any{
				pd("load1", 0.48, "", "5.000", "10.000", "0", ""),
				pd("load5", 0.91, "", "4.000", "8.000", "0", ""),
				pd("load15", 1, "", "3.000", "6.000", "0", ""),
			},
		},
		{
			name: "check_load -r, empty thresholds",
			in:   "load1=0.480;;;0; scaled_load1=0.240;5.000;10.000;0;",
			want: []any{
				pd("load1", 0.48, "", "", "", "0", ""),
				pd("scaled_load1", 0.24, "", "5.000", "10.000", "0", ""),
			},
		},
		{
			name: "check_icmp, all thresholds empty",
			in:   "rta=0.012ms;200.000;500.000;0; pl=0%;40;80;; rtmax=0.044ms;;;; rtmin=0.003ms;;;; ",
			want: []any{
				pd("rta", 0.012, "ms", "200.000", "500.000", "0", ""),
				pd("pl", 0, "%", "40", "80", "", ""),
				pd("rtmax", 0.044, "ms", "", "", "", ""),
				pd("rtmin", 0.003, "ms", "", "", "", ""),
			},
		},
		{
			name: "check_swap",
			in:   "swap=0B;0;0;0;0",
			want: []any{pd("swap", 0, "B", "0", "0", "0", "0")},
		},
		{
			name: "counter unit, value only",
			in:   "requests=1234c",
			want: []any{pd("requests", 1234, "c", "", "", "", "")},
		},

		// Quoting.
		{
			name: "quoted label with spaces",
			in:   "'C:\\ Used Space'=15.32GB;40.00;45.00;0.00;50.00 'Free Memory'=512MB",
			want: []any{
				pd("C:\\ Used Space", 15.32, "GB", "40.00", "45.00", "0.00", "50.00"),
				pd("Free Memory", 512, "MB", "", "", "", ""),
			},
		},
		{
			name: "doubled quote inside a quoted label",
			in:   "'it''s here'=1 ''''=2",
			want: []any{pd("it's here", 1, "", "", "", "", ""), pd("'", 2, "", "", "", "", "")},
		},
		{
			name: "quoted label holding = and ;",
			in:   "'a=b;c'=3s",
			want: []any{pd("a=b;c", 3, "s", "", "", "", "")},
		},

		// Ranges and numbers.
		{
			name: "Nagios ranges stay strings",
			in:   "temp=21.5;10:25;@5:30;~;",
			want: []any{pd("temp", 21.5, "", "10:25", "@5:30", "~", "")},
		},
		{
			name: "negative, signed and exponent values",
			in:   "a=-3.5 b=+2 c=1e3 d=.5 e=2.5E-1ms",
			want: []any{
				pd("a", -3.5, "", "", "", "", ""),
				pd("b", 2, "", "", "", "", ""),
				pd("c", 1000, "", "", "", "", ""),
				pd("d", 0.5, "", "", "", "", ""),
				pd("e", 0.25, "ms", "", "", "", ""),
			},
		},
		{
			name: "fields after max are ignored",
			in:   "a=1;2;3;4;5;6;7",
			want: []any{pd("a", 1, "", "2", "3", "4", "5")},
		},
		{
			name: "tabs and newlines separate items",
			in:   "a=1\tb=2\nc=3",
			want: []any{pd("a", 1, "", "", "", "", ""), pd("b", 2, "", "", "", "", ""), pd("c", 3, "", "", "", "", "")},
		},

		// Malformed items are skipped; the others are kept.
		{
			name: "item without =",
			in:   "garbage a=1",
			want: []any{pd("a", 1, "", "", "", "", "")},
		},
		{
			name: "value U (undetermined)",
			in:   "a=U;1;2 b=2",
			want: []any{pd("b", 2, "", "", "", "", "")},
		},
		{
			name: "non-numeric and empty values",
			in:   "a=abc b= c=;1;2 d=4",
			want: []any{pd("d", 4, "", "", "", "", "")},
		},
		{
			name: "decimal comma",
			in:   "a=0,5 b=1",
			want: []any{pd("b", 1, "", "", "", "", "")},
		},
		{
			name: "value out of range",
			in:   "a=1e999 b=1",
			want: []any{pd("b", 1, "", "", "", "", "")},
		},
		{
			name: "empty labels",
			in:   "=1 ''=2 b=3",
			want: []any{pd("b", 3, "", "", "", "", "")},
		},
		{
			name: "unquoted label with a space",
			in:   "free memory=512MB b=1",
			want: []any{pd("memory", 512, "MB", "", "", "", ""), pd("b", 1, "", "", "", "", "")},
		},
		{
			name: "text after the closing quote",
			in:   "'a'b=1 'c' =2 d=3",
			want: []any{pd("d", 3, "", "", "", "", "")},
		},
		{
			name: "unterminated quote swallows the rest",
			in:   "a=1 'b=2 c=3",
			want: []any{pd("a", 1, "", "", "", "", "")},
		},
		{
			name: "plugin output instead of perfdata",
			in:   "OK - all fine",
			want: []any{},
		},

		{name: "empty string", in: "", want: []any{}},
		{name: "spaces only", in: "   ", want: []any{}},
		{name: "null", in: nil, want: []any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runPerfdata(t, "nagios_perfdata", tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 {
				t.Fatalf("%d outputs, want 1", len(out))
			}
			if !reflect.DeepEqual(out[0], tt.want) {
				t.Errorf("nagios_perfdata(%q)\n got %v\nwant %v", tt.in, out[0], tt.want)
			}
		})
	}
}

func TestNagiosPerfdataRejectsNonStrings(t *testing.T) {
	for _, in := range []any{1, true, []any{"a=1"}, map[string]any{"perf_data": "a=1"}} {
		_, err := runPerfdata(t, "nagios_perfdata", in)
		if err == nil || !strings.Contains(err.Error(), "nagios_perfdata: the input must be a string (or null)") {
			t.Errorf("nagios_perfdata(%v) error = %v", in, err)
		}
	}
}

// TestNagiosPerfdataInAMetricRule runs the jq the Nagios mapping uses: the
// function composes with ordinary jq.
func TestNagiosPerfdataInAMetricRule(t *testing.T) {
	svc := map[string]any{"host_name": "web-01", "description": "PING", "last_check": 1700000000123, "perf_data": "rta=0.065ms;100.000;500.000;0; pl=0%;20;60;;"}
	out, err := runPerfdata(t, `. as $s | .perf_data | nagios_perfdata[]
		| {name: "nagios.\($s.description | ascii_downcase).\(.label)", value, host: $s.host_name, timestamp: ($s.last_check / 1000 | floor),
		   tags: [. as $p | ("unit", "warn", "crit", "min", "max") | select($p[.] != "") | "\(.):\($p[.])"]}`, svc)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		map[string]any{"name": "nagios.ping.rta", "value": 0.065, "host": "web-01", "timestamp": 1700000000.0, "tags": []any{"unit:ms", "warn:100.000", "crit:500.000", "min:0"}},
		map[string]any{"name": "nagios.ping.pl", "value": 0.0, "host": "web-01", "timestamp": 1700000000.0, "tags": []any{"unit:%", "warn:20", "crit:60"}},
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got  %v\nwant %v", out, want)
	}
}

// FuzzNagiosPerfdata: the parser never panics and never yields an item with
// an empty label or a value that is not a finite number.
func FuzzNagiosPerfdata(f *testing.F) {
	for _, s := range []string{
		"rta=0.065ms;100.000;500.000;0; pl=0%;20;60;;",
		"/=13378781184B;216442024755;243497277849;0;270552530944",
		"load1=0.480;5.000;10.000;0; load5=0.910;4.000;8.000;0; ",
		"'it''s here'=1 'C:\\ Used Space'=15.32GB;40;45;0;50",
		"a=U b= =1 ''=2 'x", "a=1e999", "a=-.e5", "'''", "'a'", "''''=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items := parsePerfdata(s)
		for _, it := range items {
			m := it.(map[string]any)
			if m["label"] == "" {
				t.Errorf("%q: empty label in %v", s, m)
			}
			if v := m["value"].(float64); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%q: value %v", s, v)
			}
			for _, k := range []string{"unit", "warn", "crit", "min", "max"} {
				if _, ok := m[k].(string); !ok {
					t.Errorf("%q: %s is %T", s, k, m[k])
				}
			}
		}
		if len(items) > len(s)/2+1 {
			t.Errorf("%q: %d items from %d bytes", s, len(items), len(s))
		}
	})
}
