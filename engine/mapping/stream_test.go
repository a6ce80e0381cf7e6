package mapping_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/intake"
	"github.com/stackmap/stackmap/engine/mapping"
	"github.com/stackmap/stackmap/engine/model"
)

// collect is a Stream that keeps what it is given.
type collect struct {
	inst        model.Instance
	comps, rels [][]byte
}

func (c *collect) Start(inst model.Instance, topology, health bool) error {
	c.inst = inst
	return nil
}
func (c *collect) Component(w []byte) error { c.comps = append(c.comps, bytes.Clone(w)); return nil }
func (c *collect) Relation(w []byte) error  { c.rels = append(c.rels, bytes.Clone(w)); return nil }

// wideExport is a JSON export of n CIs with n*2 relations, some of them
// invalid or filtered, as {"result": [...]}.
func wideExport(n int) (cis, rels string) {
	var b strings.Builder
	b.WriteString(`{"result": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		status := "1"
		if i%17 == 0 {
			status = "7" // retired: dropped by when
		}
		name := fmt.Sprintf(`"host-%d"`, i)
		if i%101 == 0 {
			name = "42" // not a string: an invalid element, dropped by on_invalid
		}
		fmt.Fprintf(&b, `{"sys_id": "ci%05d", "name": %s, "class": "cmdb_ci_server", "status": "%s", "ip": "10.0.%d.%d", "n": %d}`, i, name, status, i/256, i%256, i)
	}
	b.WriteString("]}")
	cis = b.String()
	b.Reset()
	b.WriteString(`{"result": [`)
	for i := range 2 * n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"parent": "ci%05d", "child": "ci%05d", "type": "runs_on"}`, i%n, (i*7+1+i/n)%n)
	}
	b.WriteString("]}")
	return cis, b.String()
}

const wideMapping = `
name: wide
sources:
  - name: cis
    file: {path: cis.json}
    records: .result[]
  - name: rels
    file: {path: rels.json}
    records: .result[]
components:
  - name: cis
    each: $cis[]
    when: .status != "7"
    on_invalid: drop
    jq: '{id: .sys_id, type: .class, name, labels: ["n:\(.n % 3)"], identifiers: ["urn:host:/\(.name)"], data: {ip, n}}'
  # Within the jq fast lane, whose objects a streamed run lends.
  - name: fast
    each: $cis[]
    on_invalid: drop
    jq: '{id: "f-\(.sys_id)", type: .class, name: .name, data: {ip: .ip, at: {n: .n}}}'
relations:
  - name: rels
    each: $rels[]
    jq: '{source: .parent, target: .child, type}'
  - name: from a list
    each: '$rels[:50][]'
    jq: '{source: .parent, target: .child, type: "also"}'
`

// TestStreamedRunEqualsBatchRun runs one mapping on thousands of records
// on one core and on several, into the batch and streamed, and requires
// the same elements, in the same order, and the same report.
func TestStreamedRunEqualsBatchRun(t *testing.T) {
	cis, rels := wideExport(3000)
	p, _ := mustCompile(t, wideMapping, map[string]string{"cis.json": cis, "rels.json": rels})

	serial, err := p.Run(context.Background(), mapping.Options{Now: now, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var wantComps, wantRels [][]byte
	for i := range serial.Batch.Components {
		w, err := intake.AppendComponent(nil, &serial.Batch.Components[i])
		if err != nil {
			t.Fatal(err)
		}
		wantComps = append(wantComps, w)
	}
	for i := range serial.Batch.Relations {
		w, err := intake.AppendRelation(nil, &serial.Batch.Relations[i])
		if err != nil {
			t.Fatal(err)
		}
		wantRels = append(wantRels, w)
	}
	if len(wantComps) < 2500 || len(wantRels) != 6050 {
		t.Fatalf("the serial run built %d components and %d relations", len(wantComps), len(wantRels))
	}

	for _, workers := range []int{2, 7} {
		parallel, err := p.Run(context.Background(), mapping.Options{Now: now, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(parallel.Batch, serial.Batch) {
			t.Errorf("workers=%d: the batch differs from the serial run's", workers)
		}
		if !reflect.DeepEqual(parallel.Rules, serial.Rules) || !reflect.DeepEqual(parallel.Problems, serial.Problems) {
			t.Errorf("workers=%d: rules or problems differ:\n%+v\n%+v", workers, parallel.Rules, serial.Rules)
		}

		var c collect
		streamed, err := p.Run(context.Background(), mapping.Options{Now: now, Workers: workers, Stream: &c})
		if err != nil {
			t.Fatal(err)
		}
		if len(streamed.Batch.Components)+len(streamed.Batch.Relations) != 0 {
			t.Errorf("workers=%d: a streamed run kept topology in its batch", workers)
		}
		if !reflect.DeepEqual(c.comps, wantComps) || !reflect.DeepEqual(c.rels, wantRels) {
			t.Errorf("workers=%d: the streamed elements differ from the batch's (%d/%d components, %d/%d relations)",
				workers, len(c.comps), len(wantComps), len(c.rels), len(wantRels))
		}
		if streamed.Components != len(wantComps) || streamed.Relations != len(wantRels) || len(streamed.ComponentIDs) != len(wantComps) {
			t.Errorf("workers=%d: streamed counts %d, %d, %d ids", workers, streamed.Components, streamed.Relations, len(streamed.ComponentIDs))
		}
		if !reflect.DeepEqual(streamed.Rules, serial.Rules) || !reflect.DeepEqual(streamed.Problems, serial.Problems) {
			t.Errorf("workers=%d: streamed rules or problems differ:\n%+v\n%+v", workers, streamed.Rules, serial.Rules)
		}
		if c.inst != serial.Batch.Instance {
			t.Errorf("workers=%d: stream started with %+v", workers, c.inst)
		}
	}
}

// TestRawRecordsEqualDecodedRecords runs a mapping whose records
// expression cannot split the text (so records are decoded values) and
// one that can, and requires the same batch.
func TestRawRecordsEqualDecodedRecords(t *testing.T) {
	// Large enough for the text to be mapped outside the heap, and given
	// back as the rules go.
	cis, rels := wideExport(12000)
	files := map[string]string{"cis.json": cis, "rels.json": rels}
	raw, rawPath := mustCompile(t, wideMapping, files)
	decoded, decodedPath := mustCompile(t, strings.ReplaceAll(wideMapping, "records: .result[]", "records: .result | .[] | select(true)"), files)
	a, err := raw.Run(context.Background(), mapping.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := decoded.Run(context.Background(), mapping.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range b.Rules {
		for j, pr := range b.Rules[i].Problems {
			b.Rules[i].Problems[j] = strings.ReplaceAll(pr, decodedPath, rawPath)
		}
	}
	if !reflect.DeepEqual(a.Batch, b.Batch) || !reflect.DeepEqual(a.Rules, b.Rules) || a.Sources[0].Records != b.Sources[0].Records {
		t.Errorf("raw and decoded records give different runs:\n%+v\n%+v", a.Rules, b.Rules)
	}
}

// TestSourceListsWhereMentioned checks that a source's list is there,
// decoded, wherever an expression other than each: $src[] mentions it: in
// a rule's jq, in a later source and in the state expression.
func TestSourceListsWhereMentioned(t *testing.T) {
	files := map[string]string{
		"cis.json":  `{"result": [{"id": "a", "f": "b.json"}, {"id": "b"}, {"id": "c"}]}`,
		"rels.json": `{"result": [{"s": "a", "t": "b"}, {"s": "b", "t": "c"}]}`,
		"b.json":    `[{"id": "d"}]`,
	}
	p, _ := mustCompile(t, `
name: mentioned
state: '{rels: ($rels | length)}'
sources:
  - name: cis
    file: {path: cis.json}
    records: .result[]
  - name: rels
    file: {path: rels.json}
    records: .result[]
  - name: more
    file: {path: "{{ $cis[0].f }}", format: json}
components:
  - each: $cis[]
    jq: '{id, type: "t", name: "\($cis | length) cis"}'
  - each: $more[]
    jq: '{id, type: "t"}'
relations:
  - each: $rels[]
    jq: '{source: .s, target: .t, type: "r"}'
`, files)
	res, err := p.Run(context.Background(), mapping.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Batch.Components {
		names = append(names, c.ID+"="+c.Name)
	}
	if want := []string{"a=3 cis", "b=3 cis", "c=3 cis", "d="}; !reflect.DeepEqual(names, want) {
		t.Errorf("components %q, want %q", names, want)
	}
	if want := map[string]any{"rels": 2}; !reflect.DeepEqual(res.State, want) {
		t.Errorf("state %#v, want %#v", res.State, want)
	}
}

// TestReusedRecordMaps runs a rule that reads records cut down to their
// keys, whose maps are reused from record to record: a key one record lacks
// must not keep the value of the record before, every message of a failing
// record must show its own record, whole, and nothing may depend on the
// number of workers.
func TestReusedRecordMaps(t *testing.T) {
	src := `name: reuse
sources:
  - name: s
    file: {path: s.json}
    records: .result[]
components:
  - name: c
    each: $s[]
    jq: '{id: .id, type: "t", name: (.n // "none" | ascii_downcase)}'
`
	const n, every = 3000, 700
	// export gives every third record no n, and with fail every 700th a
	// number for n, which ascii_downcase fails on.
	export := func(fail bool) string {
		var b strings.Builder
		b.WriteString(`{"result": [`)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id": "r%d", `, i)
			switch {
			case fail && i%every == every-1:
				fmt.Fprintf(&b, `"n": %d, `, i)
			case i%3 != 0:
				fmt.Fprintf(&b, `"n": "Name-%d", `, i)
			}
			fmt.Fprintf(&b, `"other": "o%d"}`, i)
		}
		b.WriteString(`]}`)
		return b.String()
	}

	files := map[string]string{"s.json": export(false)}
	p, _ := mustCompile(t, src, files)
	decoded, _ := mustCompile(t, strings.ReplaceAll(src, "records: .result[]", "records: .result | .[] | select(true)"), files)
	want, err := decoded.Run(context.Background(), mapping.Options{Now: now, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c := want.Batch.Components[3]; c.Name != "none" {
		t.Fatalf("component %s is named %q, want none", c.ID, c.Name)
	}
	for _, workers := range []int{1, 2, 4} {
		res, err := p.Run(context.Background(), mapping.Options{Now: now, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Batch, want.Batch) {
			t.Errorf("workers=%d: the batch differs from the one of decoded records", workers)
		}
	}

	p, _ = mustCompile(t, src, map[string]string{"s.json": export(true)})
	var first *mapping.Result
	for _, workers := range []int{1, 2, 4} {
		res, err := p.Run(context.Background(), mapping.Options{Now: now, Workers: workers})
		if err == nil {
			t.Fatalf("workers=%d: the run did not fail", workers)
		}
		if len(res.Errors) != n/every {
			t.Fatalf("workers=%d: %d errors, want %d:\n%s", workers, len(res.Errors), n/every, errText(res))
		}
		for k, e := range res.Errors {
			i := (k+1)*every - 1
			want := fmt.Sprintf(`record: {"id":"r%d","n":%d,"other":"o%d"}`, i, i, i)
			if !strings.Contains(e.Error(), want) {
				t.Errorf("workers=%d: error %d does not show its whole record %s:\n%s", workers, k, want, e)
			}
		}
		if first == nil {
			first = res
		} else if !reflect.DeepEqual(res.Rules, first.Rules) {
			t.Errorf("workers=%d: rules %+v, want %+v", workers, res.Rules, first.Rules)
		}
	}
}
