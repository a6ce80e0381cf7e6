package mapping

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/expr"
)

// TestDropKeepsOtherText fills an arena with the pages of two sources,
// interleaved as concurrent fetches leave them, drops the records one
// source is done with, and checks that every record still to be read, of
// either source, is intact.
func TestDropKeepsOtherText(t *testing.T) {
	var a arena
	defer a.free()
	page := func(src string, p int) []byte {
		var b strings.Builder
		b.WriteString(`{"result":[`)
		for i := range 300 {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"src":%q,"page":%d,"i":%d,"pad":%q}`, src, p, i, strings.Repeat("x", 40))
		}
		b.WriteString("]}")
		buf := a.alloc(b.Len())
		copy(buf, b.String())
		return buf
	}
	var cis, rels records
	keep := map[string][]string{} // source → the text of every record, as split
	for p := range 20 {
		for _, x := range []struct {
			name string
			rs   *records
		}{{"cis", &cis}, {"rels", &rels}} {
			raw, ok := expr.SplitJSON(page(x.name, p), []string{"result"})
			if !ok {
				t.Fatal("split failed")
			}
			x.rs.addRaw(raw)
			for _, r := range raw {
				keep[x.name] = append(keep[x.name], string(r))
			}
		}
	}
	if len(a.maps) == 0 {
		t.Skip("the arena maps nothing on this system")
	}
	// cis is done with its first 4000 records (13 pages and some).
	cis.drop(&a, 0, 3999)
	for i := 4000; i < cis.len(); i++ {
		if got := string(cis.raw[i]); got != keep["cis"][i] {
			t.Fatalf("cis record %d changed: %.60q", i, got)
		}
	}
	for i := range rels.len() {
		if got := string(rels.raw[i]); got != keep["rels"][i] {
			t.Fatalf("rels record %d changed: %.60q", i, got)
		}
	}
	zeroed := 0
	for i := range 4000 {
		if bytes.Count(cis.raw[i], []byte{0}) == len(cis.raw[i]) {
			zeroed++
		}
	}
	if zeroed < 3000 {
		t.Errorf("only %d of the 4000 dropped records were given back", zeroed)
	}
}

// TestDropSmallSpans drops spans shorter than a page, at every offset in a
// page, which must give nothing back and change nothing.
func TestDropSmallSpans(t *testing.T) {
	var a arena
	defer a.free()
	buf := a.alloc(3 * 4096)
	for i := range buf {
		buf[i] = 'x'
	}
	for off := range 4096 {
		for _, n := range []int{1, 100, 4095} {
			a.drop(buf[off:off+1], buf[off+n-1:off+n])
		}
	}
	if bytes.Count(buf, []byte{'x'}) != len(buf) {
		t.Error("a span shorter than a page gave memory back")
	}
	a.drop(buf[:1], buf[len(buf)-1:])
	if len(a.maps) > 0 && bytes.Count(buf, []byte{0}) != len(buf) {
		t.Error("a span of whole pages was not given back")
	}
}
