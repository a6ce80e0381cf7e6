package expr

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// sameValue reports whether a and b are the same plain JSON value: the same Go
// types all the way down, floats bit for bit (so 0 and -0 differ), nil and
// empty slices and maps told apart.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case *big.Int:
		b, ok := b.(*big.Int)
		return ok && a.Cmp(b) == 0
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) || (a == nil) != (b == nil) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) || (a == nil) != (b == nil) {
			return false
		}
		for k, x := range a {
			y, ok := b[k]
			if !ok || !sameValue(x, y) {
				return false
			}
		}
		return true
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.DeepEqual(a, b)
}

// checkDecode fails t unless DecodeJSON and decodeJSONStd agree on data.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := DecodeJSON(data)
	want, wantErr := decodeJSONStd(data)
	switch {
	case gotErr != nil || wantErr != nil:
		if gotErr == nil || wantErr == nil || gotErr.Error() != wantErr.Error() {
			t.Fatalf("DecodeJSON(%q): error %v, want %v (value %#v, want %#v)", data, gotErr, wantErr, got, want)
		}
	case !sameValue(got, want):
		t.Fatalf("DecodeJSON(%q) = %#v, want %#v", data, got, want)
	}
}

// decodeCases are inputs on the edges of what JSON and encoding/json
// accept, shared by the tests and fuzz seeds of this package.
var decodeCases = []string{
	// Whitespace and emptiness.
	``, ` `, "\t\r\n ", `null`, ` null `, "\n\t{}\r\n", `{}`, `[]`, `""`, `[ ]`, `{ }`,
	"\ufeff{}", "{}\v", "{}\u00a0", "{}\x00", "\x00", `{} `,
	// Literals.
	`true`, `false`, `nul`, `tru`, `fals`, `nulll`, `truex`, `[true,false,null]`, `True`, `NULL`, `[nul]`, `[t]`,
	// Numbers.
	`0`, `-0`, `1`, `-1`, `1.0`, `-0.0`, `0.0`, `1e2`, `1E2`, `1e+2`, `1e-2`, `1.5e300`, `1e400`, `-1e400`, `1e-400`,
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`,
	`999999999999999999`, `-999999999999999999`, `1000000000000000000`, `123456789012345678901234567890`,
	`-123456789012345678901234567890`, `123456789012345678901234567890.5`, `0.1`, `3.141592653589793`,
	`01`, `-`, `-01`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `1_000`, `NaN`, `Infinity`, `-Infinity`, `1.e5`,
	`[1,2.5,-3e1,4E-1]`, `[-]`, `[1.]`, `[01]`, `{"a":-}`, `1 2`, `[1 2]`, `00`, `-0e0`, `0e-0`,
	// Strings.
	`"a"`, `"abc def"`, `"\""`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\u0041"`, `"\u00e9"`, `"\u20AC"`, `"\u0000"`,
	`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, `"\ude00\ud83d"`,
	`"\ud83d\"`, `"\ud83d\u"`, `"\ud83d\uZZZZ"`, `"\ud83d\ude0"`, `"\u12"`, `"\u12G4"`, `"\x"`, `"\'"`, `"\a"`, `"\`, `"abc`,
	"\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"tab\there\"", "\"\n\"", `"é"`, `"日本語"`, `"😀"`,
	"\"\xff\"", "\"\xc3\"", "\"\xc3\x28\"", "\"\xe2\x82\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xc0\xaf\"",
	"\"a\xffb\\n\xfe\"", "\"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\"", `"0123456789abcdef0123456789"`,
	`"0123456789\"abcdef"`, `"01234567\\89"`, "\"01234567\x0189\"", "\"0123456\xc3\xa989abcdefgh\"",
	`"\uD83D\uDE00"`, `"\uDBFF\uDFFF"`, `"\uDC00\uD800"`, `"\u0080\u07ff\u0800\uffff"`,
	// Objects.
	`{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":1},"a":[2]}`, `{"a" : 1 , "b" : [ 1 , 2 ] }`, `{"":""}`,
	`{"\u0061":1,"a":2}`, `{"a":2,"\u0061":1}`, "{\"\xff\":1,\"\xfe\":2}", `{"é":1}`, `{"a\nb":1}`,
	`{a:1}`, `{"a" 1}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{"a"}`, `{"a":}`, `{"a":1]`, `{1:2}`, `{"a":1`, `{`, `}`,
	`{"display_value":"x","value":"y"}`, `{"a":{"display_value":"x","value":"y"},"b":{"display_value":"","value":""}}`,
	// Arrays.
	`[1]`, `[1,]`, `[,1]`, `[,]`, `[1,,2]`, `[`, `]`, `[1`, `[1}`, `[[[]]]`, `[[],{}]`, `[{"a":[{}]}]`, `[""]`,
	// Trailing data.
	`{}}`, `{}]`, `[]]`, `{} {}`, `1 1`, `"a" "b"`, `{}x`, `[]  ,`, `null null`, `{}` + "\n" + `{}`, `1]`, `"a"}`,
}

func TestDecodeJSONCases(t *testing.T) {
	for _, c := range decodeCases {
		checkDecode(t, []byte(c))
	}
	for _, c := range decodeCases {
		// The same inside an array and an object, and with whitespace.
		checkDecode(t, []byte("["+c+"]"))
		checkDecode(t, []byte(`{"k":`+c+`}`))
		checkDecode(t, []byte(" \n"+c+"\t "))
	}
}

func TestDecodeJSONValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`-0`, 0},
		{`1e2`, 100.0},
		{`1.0`, 1.0},
		{`-0.0`, math.Copysign(0, -1)},
		{`9223372036854775807`, math.MaxInt},
		{`9223372036854775808`, bigIntOf("9223372036854775808")},
		{`-9223372036854775809`, bigIntOf("-9223372036854775809")},
		{`1e400`, math.Inf(1)},
		{`"\ud83d\ude00"`, "😀"},
		{`"\ud83d"`, "\ufffd"},
		{`"\ud83d\u0041"`, "\ufffdA"},
		{"\"a\xffb\"", "a\ufffdb"},
		{"\"\xed\xa0\x80\"", "\ufffd\ufffd\ufffd"},
		{`{"a":1,"a":2}`, map[string]any{"a": 2}},
		{`{"\u0061":1,"a":2}`, map[string]any{"a": 2}},
		{`[]`, []any{}},
		{` {"a":[true,null,"x"]} `, map[string]any{"a": []any{true, nil, "x"}}},
	}
	for _, tt := range tests {
		got, err := DecodeJSON([]byte(tt.in))
		if err != nil || !sameValue(got, tt.want) {
			t.Errorf("DecodeJSON(%q) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func bigIntOf(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

func TestDecodeJSONDepth(t *testing.T) {
	for _, n := range []int{jsonMaxDepth - 1, jsonMaxDepth, jsonMaxDepth + 1} {
		checkDecode(t, []byte(strings.Repeat("[", n)+strings.Repeat("]", n)))
		checkDecode(t, []byte(strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n)))
		checkDecode(t, []byte(strings.Repeat(`[{"a":`, n/2)+"1"+strings.Repeat("}]", n/2)))
	}
	if _, err := DecodeJSON([]byte(strings.Repeat("[", jsonMaxDepth) + strings.Repeat("]", jsonMaxDepth))); err != nil {
		t.Errorf("depth %d: %v", jsonMaxDepth, err)
	}
	if _, err := DecodeJSON([]byte(strings.Repeat("[", jsonMaxDepth+1) + strings.Repeat("]", jsonMaxDepth+1))); err == nil {
		t.Errorf("depth %d: no error", jsonMaxDepth+1)
	}
}

// TestDecodeJSONStrings checks every short escape and every byte in and
// around strings of lengths that cross the 8-byte steps of scanString.
func TestDecodeJSONStrings(t *testing.T) {
	specials := []string{`\"`, `\\`, `\/`, `\b`, `\u00e9`, `\ud800`, `\udc00\ud800`, "\xff", "\xc3\xa9", "\x1f", `"`, `\`, "é", "\t"}
	for n := 0; n < 20; n++ {
		for _, s := range specials {
			for i := 0; i <= n; i++ {
				body := strings.Repeat("a", i) + s + strings.Repeat("b", n-i)
				checkDecode(t, []byte(`"`+body+`"`))
				checkDecode(t, []byte(`["`+body+`",1]`))
				checkDecode(t, []byte(`{"`+body+`":1}`))
			}
		}
	}
	for c := 0; c < 256; c++ {
		checkDecode(t, []byte{'"', byte(c), '"'})
		checkDecode(t, []byte{'"', '\\', byte(c), '"'})
		checkDecode(t, []byte("\"0123456789"+string(rune(c))+"0123456789\""))
		checkDecode(t, []byte{'"', '0', '1', '2', '3', '4', '5', '6', '7', byte(c), '"'})
		checkDecode(t, []byte{byte(c)})
		checkDecode(t, []byte{'[', byte(c), ']'})
		checkDecode(t, []byte{'1', byte(c)})
	}
}

func TestDecodeJSONExport(t *testing.T) {
	doc := serviceNowExport(50)
	checkDecode(t, doc)
	v, err := DecodeJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	recs := v.(map[string]any)["result"].([]any)
	if len(recs) != 50 {
		t.Fatalf("got %d records", len(recs))
	}
	// Keys interned from the cache are still right after many calls.
	for i := 0; i < 3; i++ {
		checkDecode(t, serviceNowRecord(i))
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
		f.Add([]byte(`{"x":[` + c + `,1]}`))
	}
	f.Add(serviceNowRecord(1))
	f.Add(serviceNowRecord(7))
	f.Add(serviceNowExport(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

// serviceNowRecord returns the i-th record of a made-up ServiceNow CMDB
// export: about 25 fields, each a display value and a value.
func serviceNowRecord(i int) []byte {
	fields := []struct{ name, display, value string }{
		{"sys_id", "", "%032x"},
		{"name", "srv-app-%05d.corp.example.com", "srv-app-%05d.corp.example.com"},
		{"sys_class_name", "Linux Server", "cmdb_ci_linux_server"},
		{"ip_address", "10.%d.%d.%d", "10.%d.%d.%d"},
		{"fqdn", "srv-app-%05d.corp.example.com", "srv-app-%05d.corp.example.com"},
		{"os", "Red Hat Enterprise Linux 8", "Linux Red Hat"},
		{"os_version", "8.9", "8.9"},
		{"cpu_count", "%d", "%d"},
		{"ram", "%d", "%d"},
		{"disk_space", "%d", "%d"},
		{"operational_status", "Operational", "1"},
		{"install_status", "Installed", "1"},
		{"environment", "Production", "production"},
		{"location", "Zürich Datacenter 2", "%032x"},
		{"support_group", "Linux Operations", "%032x"},
		{"assigned_to", "Jörg Müller", "%032x"},
		{"company", "Example AG", "%032x"},
		{"department", "IT Infrastructure", "%032x"},
		{"serial_number", "VMware-42 1a %04x", "VMware-42 1a %04x"},
		{"model_id", "VMware Virtual Platform", "%032x"},
		{"manufacturer", "VMware, Inc.", "%032x"},
		{"short_description", "Application server for \\\"billing\\\"\\nsecond line", "Application server for \\\"billing\\\"\\nsecond line"},
		{"sys_created_on", "2021-03-04 05:06:07", "2021-03-04 05:06:07"},
		{"sys_updated_on", "2024-11-12 13:14:15", "2024-11-12 13:14:15"},
		{"u_business_service", "Billing", "%032x"},
	}
	format := func(s string) string {
		switch strings.Count(s, "%") {
		case 0:
			return s
		case 3:
			return fmt.Sprintf(s, i/65536%256, i/256%256, i%256)
		}
		return fmt.Sprintf(s, i*7919+1)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for j, f := range fields {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%s":{"display_value":"%s","value":"%s"}`, f.name, format(f.display), format(f.value))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// serviceNowExport returns a made-up ServiceNow export of n records, as
// the table API returns it.
func serviceNowExport(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"result":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(serviceNowRecord(i))
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// BenchmarkDecodeJSON decodes ServiceNow-like records one by one, as a
// source does with the records of a split export (1000 different records
// in turn, so that no decoder sees the same bytes over and over); the same
// with no value repeating from one record to the next, which the string
// cache cannot help with; and a whole export of 1000 records.
func BenchmarkDecodeJSON(b *testing.B) {
	var records, unique [][]byte
	size, uniqueSize := 0, 0
	for i := 0; i < 1000; i++ {
		records = append(records, serviceNowRecord(i))
		size += len(records[i])
		unique = append(unique, bytes.ReplaceAll(records[i], []byte(`value":"`), fmt.Appendf(nil, `value":"%d-`, i)))
		uniqueSize += len(unique[i])
	}
	export := serviceNowExport(1000)
	decoders := []struct {
		name   string
		decode func([]byte) (any, error)
	}{
		{"std", decodeJSONStd},
		{"fast", DecodeJSON},
	}
	for _, d := range decoders {
		b.Run("record/"+d.name, func(b *testing.B) {
			b.SetBytes(int64(size / len(records)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := d.decode(records[i%len(records)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	for _, d := range decoders {
		b.Run("record-unique/"+d.name, func(b *testing.B) {
			b.SetBytes(int64(uniqueSize / len(unique)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := d.decode(unique[i%len(unique)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	for _, d := range decoders {
		b.Run("export1000/"+d.name, func(b *testing.B) {
			b.SetBytes(int64(len(export)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.decode(export); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
