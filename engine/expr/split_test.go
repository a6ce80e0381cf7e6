package expr

import (
	"bytes"
	"strings"
	"testing"

	"github.com/itchyny/gojq"
)

func TestValidJSON(t *testing.T) {
	check := func(data []byte) {
		t.Helper()
		_, err := decodeJSONStd(data)
		if got := ValidJSON(data); got != (err == nil) {
			t.Fatalf("ValidJSON(%q) = %v; encoding/json says %v", data, got, err)
		}
	}
	for _, c := range decodeCases {
		check([]byte(c))
		check([]byte("[" + c + "]"))
		check([]byte(`{"k":` + c + `}`))
		check([]byte(" \n" + c + "\t "))
	}
	for _, n := range []int{jsonMaxDepth - 1, jsonMaxDepth, jsonMaxDepth + 1} {
		check([]byte(strings.Repeat("[", n) + strings.Repeat("]", n)))
		check([]byte(strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)))
	}
	for c := 0; c < 256; c++ {
		check([]byte{'"', byte(c), '"'})
		check([]byte{'"', '\\', byte(c), '"'})
		check([]byte{byte(c)})
	}
	if !ValidJSON(serviceNowExport(20)) {
		t.Error("ValidJSON(export) = false")
	}
}

func TestSplitJSON(t *testing.T) {
	tests := []struct {
		doc  string
		path []string
		want []string // nil: not ok
	}{
		{`{"result":[1,{"a":2},"x",[null]]}`, []string{"result"}, []string{`1`, `{"a":2}`, `"x"`, `[null]`}},
		{" { \"result\" :\n[ 1 ,\t2 ] } \n", []string{"result"}, []string{`1`, `2`}},
		{`{"result":[]}`, []string{"result"}, []string{}},
		{`{"result":[ ]}`, []string{"result"}, []string{}},
		{`[1,"a",{"b":[]}]`, nil, []string{`1`, `"a"`, `{"b":[]}`}},
		{`[[1,2],[3]]`, []string{}, []string{`[1,2]`, `[3]`}},
		{`[]`, nil, []string{}},
		{`{"a":{"b":[true]}}`, []string{"a", "b"}, []string{`true`}},
		{`{"x":[9],"a":{"y":{"b":[8]},"b":[7]},"b":[6]}`, []string{"a", "b"}, []string{`7`}},
		{`{"res\u0075lt":[1]}`, []string{"result"}, []string{`1`}},
		{`{"a b":[1]}`, []string{"a b"}, []string{`1`}},
		{`{"":[1]}`, []string{""}, []string{`1`}},
		{"{\"\xff\":[1]}", []string{"\ufffd"}, []string{`1`}},
		{`{"\ud83d":[1]}`, []string{"\ufffd"}, []string{`1`}},
		// The last of duplicate keys counts.
		{`{"result":[1],"result":[2,3]}`, []string{"result"}, []string{`2`, `3`}},
		{`{"result":[1],"res\u0075lt":[2]}`, []string{"result"}, []string{`2`}},
		{`{"result":[1],"result":null}`, []string{"result"}, nil},
		{`{"result":null,"result":[1]}`, []string{"result"}, []string{`1`}},
		{`{"a":{"b":[1]},"a":{"c":[2]}}`, []string{"a", "b"}, nil},
		{`{"a":{"c":[2]},"a":{"b":[1]}}`, []string{"a", "b"}, []string{`1`}},
		{`{"a":{"b":[1],"b":[3]}}`, []string{"a", "b"}, []string{`3`}},
		{`{"a":{"b":[1]},"a":{"b":[]}}`, []string{"a", "b"}, []string{}},
		// jq would iterate an object, or fail.
		{`{"a":1}`, nil, nil},
		{`{"result":{"a":1}}`, []string{"result"}, nil},
		{`{"result":null}`, []string{"result"}, nil},
		{`{"result":"x"}`, []string{"result"}, nil},
		{`{"other":[1]}`, []string{"result"}, nil},
		{`{}`, []string{"result"}, nil},
		{`[{"result":[1]}]`, []string{"result"}, nil},
		{`null`, []string{"result"}, nil},
		{`"x"`, nil, nil},
		{`{"a":[{"b":[1]}]}`, []string{"a", "b"}, nil},
		// Invalid documents.
		{``, nil, nil},
		{`{"result":[1]`, []string{"result"}, nil},
		{`{"result":[1,]}`, []string{"result"}, nil},
		{`{"result":[1]} x`, []string{"result"}, nil},
		{`{"result":[1]}]`, []string{"result"}, nil},
		{`{"result":[1],"x":tru}`, []string{"result"}, nil},
		{`{"x":01,"result":[1]}`, []string{"result"}, nil},
		{"{\"result\":[\"\x01\"]}", []string{"result"}, nil},
		{`[1,2] [3]`, nil, nil},
		{strings.Repeat(`{"a":`, jsonMaxDepth) + "[1]" + strings.Repeat("}", jsonMaxDepth), strings.Split(strings.Repeat("a,", jsonMaxDepth-1)+"a", ","), nil},
		{strings.Repeat(`{"a":`, 3) + "[1]" + strings.Repeat("}", 3), []string{"a", "a", "a"}, []string{`1`}},
	}
	for _, tt := range tests {
		got, ok := SplitJSON([]byte(tt.doc), tt.path)
		if ok != (tt.want != nil) {
			t.Errorf("SplitJSON(%.40q, %q): ok = %v", tt.doc, tt.path, ok)
			continue
		}
		if !ok {
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("SplitJSON(%.40q, %q) = %q, want %q", tt.doc, tt.path, got, tt.want)
			continue
		}
		for i := range got {
			if string(got[i]) != tt.want[i] {
				t.Errorf("SplitJSON(%.40q, %q) = %q, want %q", tt.doc, tt.path, got, tt.want)
				break
			}
		}
		checkSplit(t, []byte(tt.doc), tt.path)
	}
}

func TestSplitJSONExport(t *testing.T) {
	doc := serviceNowExport(100)
	recs, ok := SplitJSON(doc, []string{"result"})
	if !ok || len(recs) != 100 {
		t.Fatalf("SplitJSON: %d records, ok %v", len(recs), ok)
	}
	for i, r := range recs {
		if !bytes.Equal(r, serviceNowRecord(i)) {
			t.Fatalf("record %d = %.60q", i, r)
		}
	}
	// Records are capped sub-slices: appending copies.
	r := append(recs[0], ' ')
	if &r[0] == &recs[0][0] || doc[len(recs[0])+len(`{"result":[`)] != ',' {
		t.Error("appending to a record changed the document")
	}
	checkSplit(t, doc, []string{"result"})
}

// checkSplit fails t unless SplitJSON(doc, path) is ok exactly when jq's
// path program can only yield the elements of an array, and the records it
// returns decode to what gojq yields.
func checkSplit(t *testing.T, doc []byte, path []string) {
	t.Helper()
	records, ok := SplitJSON(doc, path)
	v, err := decodeJSONStd(doc)
	wantOK := err == nil
	at := v
	for _, k := range path {
		if !wantOK {
			break
		}
		m, isMap := at.(map[string]any)
		at, wantOK = m[k]
		wantOK = wantOK && isMap
	}
	if _, isArray := at.([]any); !isArray {
		wantOK = false
	}
	if ok != wantOK {
		t.Fatalf("SplitJSON(%q, %q): ok = %v, want %v", doc, path, ok, wantOK)
	}
	if !ok {
		return
	}
	// The jq program `.["k1"]["k2"]...[]`.
	term := &gojq.Term{Type: gojq.TermTypeIdentity}
	for _, k := range path {
		term.SuffixList = append(term.SuffixList, &gojq.Suffix{Index: &gojq.Index{Str: &gojq.String{Str: k}}})
	}
	term.SuffixList = append(term.SuffixList, &gojq.Suffix{Iter: true})
	code, err := gojq.Compile(&gojq.Query{Term: term})
	if err != nil {
		t.Fatal(err)
	}
	var want []any
	iter := code.Run(v)
	for {
		x, more := iter.Next()
		if !more {
			break
		}
		if err, isErr := x.(error); isErr {
			t.Fatalf("jq %q on %q: %v", path, doc, err)
		}
		want = append(want, x)
	}
	if len(records) != len(want) {
		t.Fatalf("SplitJSON(%q, %q): %d records, jq yields %d", doc, path, len(records), len(want))
	}
	for i, r := range records {
		got, err := DecodeJSON(r)
		if err != nil || !sameValue(got, want[i]) {
			t.Fatalf("SplitJSON(%q, %q): record %d %q decodes to %#v, %v; jq yields %#v", doc, path, i, r, got, err, want[i])
		}
	}
}

// fuzzPath makes a path of the fuzzer's string: "" is the empty path, "/"
// the path of the empty key, "/a/b" the path a, b and "a" the path a.
func fuzzPath(s string) []string {
	switch {
	case s == "":
		return nil
	case s[0] == '/':
		return strings.Split(s[1:], "/")
	}
	return []string{s}
}

func FuzzSplitJSON(f *testing.F) {
	docs := []string{
		`{"result":[1,{"a":2},"x"]}`, `[1,2]`, `{"a":{"b":[1]},"a":{"c":[2]}}`, `{"result":[1],"result":[2]}`,
		`{"res\u0075lt":[1],"result":{}}`, `{"a":{"b":[{"b":[1]}]}}`, `{"result":null}`, `{"":[[],{}]}`,
		"{\"\xff\":[1]}", `{"a":[1],"a":[1,]}`, `{"a":{"b":[1]},"c":[}`, ` [ 1 , "2" ] `, `{"result":[]}`,
	}
	paths := []string{"", "result", "/a/b", "a", "/", "/result", "\ufffd", "/a/b/c"}
	for _, d := range docs {
		for _, p := range paths {
			f.Add([]byte(d), p)
		}
	}
	for _, c := range decodeCases {
		f.Add([]byte(`{"result":[`+c+`]}`), "result")
	}
	f.Add(serviceNowExport(3), "result")
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		checkSplit(t, doc, fuzzPath(path))
	})
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
		f.Add([]byte(`{"x":[` + c + `,1]}`))
	}
	f.Add(serviceNowExport(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := decodeJSONStd(data)
		if got := ValidJSON(data); got != (err == nil) {
			t.Fatalf("ValidJSON(%q) = %v; encoding/json says %v", data, got, err)
		}
	})
}

// benchExport returns a ServiceNow-like export of about 20 MB.
func benchExport() []byte {
	var b bytes.Buffer
	b.WriteString(`{"result":[`)
	for i := 0; b.Len() < 20<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(serviceNowRecord(i))
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

func BenchmarkSplitJSON(b *testing.B) {
	doc := benchExport()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := SplitJSON(doc, []string{"result"}); !ok {
			b.Fatal("not ok")
		}
	}
}

func BenchmarkValidJSON(b *testing.B) {
	doc := benchExport()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if !ValidJSON(doc) {
			b.Fatal("not valid")
		}
	}
}
