package bench

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/stackmap/stackmap/bench/cmdb"
)

// TestHTTPPayloadIdentity runs the HTTP half of the benchmark on 2000
// generated CIs: cmdb-http.yaml reading them from the Table API server of
// bench/cmdb, 1000 a page, must deliver byte for byte the payload that
// cmdb.yaml makes of the same export read from files. 2000 CIs and 4000
// relationships are whole pages, so each series also ends on an empty
// page, which the server must have been asked for.
func TestHTTPPayloadIdentity(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	if _, err := cmdb.Generate(dir, n); err != nil {
		t.Fatal(err)
	}
	s, err := cmdb.NewServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	want := runOnce(t, map[string]string{"CMDB_DIR": dir}, "cmdb.yaml")
	// The user and password are the mapping's defaults.
	got := runOnce(t, map[string]string{"CMDB_URL": srv.URL}, "cmdb-http.yaml")
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("cmdb-http.yaml wrote %d bytes, cmdb.yaml %d; they differ from byte %d:\nhttp: %s\nfile: %s",
			len(got), len(want), i, excerpt(got, i), excerpt(want, i))
	}
	// Every component and relation has an externalId.
	if c, elems := bytes.Count(want, []byte(`"externalId"`)), n+cmdb.RelsPerCI*n; c != elems {
		t.Errorf("the payload has %d elements, want %d", c, elems)
	}

	for _, c := range []struct {
		table string
		pages int64
	}{
		{cmdb.CITable, n/1000 + 1},
		{cmdb.RelTable, cmdb.RelsPerCI*n/1000 + 1},
	} {
		if got := s.Pages(c.table); got != c.pages {
			t.Errorf("the server served %d pages of %s, want %d (1000 records a page and an empty one)", got, c.table, c.pages)
		}
	}
	if u := s.Unauthorized(); u != 0 {
		t.Errorf("the server refused %d requests", u)
	}
}

// excerpt returns up to 80 bytes of b around i.
func excerpt(b []byte, i int) string {
	return string(b[max(i-40, 0):min(i+40, len(b))])
}
