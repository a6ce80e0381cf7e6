package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/model"
)

// assertNoNull fails the test for every JSON null in v, naming its path.
func assertNoNull(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case nil:
		t.Errorf("%s is null", path)
	case map[string]any:
		for k, x := range v {
			assertNoNull(t, path+"."+k, x)
		}
	case []any:
		for i, x := range v {
			assertNoNull(t, fmt.Sprintf("%s[%d]", path, i), x)
		}
	}
}

func TestAssertNoNullFindsNull(t *testing.T) {
	var inner testing.T
	assertNoNull(&inner, "$", map[string]any{"a": []any{1, nil}})
	if !inner.Failed() {
		t.Error("assertNoNull missed a null")
	}
}

func TestNoNulls(t *testing.T) {
	batches := map[string]*model.Batch{
		"basic":       basicBatch(),
		"empty":       model.NewBatch("m", model.Instance{Type: "t", URL: "u"}),
		"zero lists":  {Mapping: "m", Instance: model.Instance{Type: "t", URL: "u"}, Health: true},
		"sized":       sizedBatch(5, 3, 2, 3, 3, true),
		"bare fields": bareBatch(),
	}
	for name, b := range batches {
		t.Run(name, func(t *testing.T) {
			envs, err := Build(b, Options{Hostname: "h", ChunkSize: 2, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			for i := range envs {
				for _, indent := range []bool{false, true} {
					var buf bytes.Buffer
					enc := Encode
					if indent {
						enc = EncodeIndent
					}
					if err := enc(&buf, &envs[i]); err != nil {
						t.Fatal(err)
					}
					var v any
					if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
						t.Fatal(err)
					}
					assertNoNull(t, fmt.Sprintf("envelope %d", i+1), v)
				}
			}
		})
	}
}

// bareBatch returns a batch whose elements leave every optional list and
// map nil.
func bareBatch() *model.Batch {
	b := &model.Batch{Mapping: "m", Instance: model.Instance{Type: "t", URL: "u"}}
	b.Components = []model.Component{{ID: "c", Type: "t"}}
	b.Relations = []model.Relation{{ID: "r", Source: "c", Target: "c", Type: "t"}}
	b.Metrics = []model.Metric{{Name: "m", Value: 1.5, Type: "gauge"}}
	b.Events = []model.Event{
		{Title: "plain", Type: "XEvent", Source: "s"},
		{Title: "topo", Type: "XEvent", Source: "s", Category: "Changes"},
	}
	b.HealthStates = []model.HealthState{{ID: "s", Name: "n", Health: model.Clear, Identifier: "urn:x"}}
	return b
}

func TestEncodeNoHTMLEscaping(t *testing.T) {
	b := bareBatch()
	b.Components[0].Name = "<a&b>"
	b.Metrics[0].Name = "m<&>"
	b.Events[0].Title = "x > y & z"
	envs, err := Build(b, Options{Hostname: "h"})
	if err != nil {
		t.Fatal(err)
	}
	for name, enc := range map[string]func(*bytes.Buffer, *Envelope) error{
		"Encode":       func(b *bytes.Buffer, e *Envelope) error { return Encode(b, e) },
		"EncodeIndent": func(b *bytes.Buffer, e *Envelope) error { return EncodeIndent(b, e) },
	} {
		var buf bytes.Buffer
		if err := enc(&buf, &envs[0]); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"<a&b>"`, `"m<&>"`, `"x > y & z"`} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("%s: output lacks %s literally:\n%s", name, want, buf.String())
			}
		}
	}
}

func TestEncodeForm(t *testing.T) {
	envs, err := Build(basicBatch(), Options{Hostname: "h", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var compact, indented bytes.Buffer
	if err := Encode(&compact, &envs[0]); err != nil {
		t.Fatal(err)
	}
	if err := EncodeIndent(&indented, &envs[0]); err != nil {
		t.Fatal(err)
	}
	c := compact.String()
	if strings.Count(c, "\n") != 1 || !strings.HasSuffix(c, "\n") {
		t.Errorf("compact form is not one line ending in a newline")
	}
	if !strings.HasPrefix(c, `{"collection_timestamp":1700000100,"internalHostname":"h","events":{`) {
		t.Errorf("compact form starts %.80q", c)
	}
	last := 0
	for _, key := range []string{`"events":`, `"metrics":`, `"service_checks":`, `"health":`, `"topologies":`} {
		i := strings.Index(c, key)
		if i < last {
			t.Errorf("compact form lacks %s or has it out of order", key)
		}
		last = i
	}
	if !strings.Contains(c, `["shop.queue.depth",1700000000,42,{"hostname":"web-01","type":"gauge","tags":["queue:orders"]}]`) {
		t.Errorf("integer metric not encoded as an int tuple:\n%s", c)
	}
	if !strings.Contains(c, `["shop.latency",1700000000,0.25,`) {
		t.Errorf("float metric not encoded as a float:\n%s", c)
	}
	if !strings.Contains(indented.String(), "\n  \"internalHostname\": \"h\",\n") {
		t.Errorf("indented form is not indented by two spaces:\n%.200s", indented.String())
	}
	var a, b any
	if err := json.Unmarshal(compact.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(indented.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("compact and indented forms differ in content")
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	envs, err := Build(basicBatch(), Options{Hostname: "h", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if err := Encode(&first, &envs[0]); err != nil {
		t.Fatal(err)
	}
	var back Envelope
	if err := json.Unmarshal(first.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if v := back.Metrics[0].Value; v != 42 {
		t.Errorf("decoded int metric value %#v, want int 42", v)
	}
	if v := back.Metrics[1].Value; v != 0.25 {
		t.Errorf("decoded float metric value %#v, want 0.25", v)
	}
	var second bytes.Buffer
	if err := Encode(&second, &back); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Errorf("round trip changed the envelope:\n%s\n%s", first.String(), second.String())
	}
}

func TestMetricUnmarshalErrors(t *testing.T) {
	for _, in := range []string{
		`["m",1,2]`,
		`{"name":"m"}`,
		`[1,1,2,{}]`,
		`["m","x",2,{}]`,
		`["m",1,"2",{}]`,
		`["m",1,2,[]]`,
	} {
		var m Metric
		if err := json.Unmarshal([]byte(in), &m); err == nil {
			t.Errorf("%s: decoded without error to %+v", in, m)
		}
	}
}
