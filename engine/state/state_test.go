package state

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSaveLoad(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Load("cmdb")
	if err != nil || st.Mapping != "cmdb" || st.Delivered != nil {
		t.Fatalf("fresh state %+v, %v", st, err)
	}
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	st.Runs, st.LastSuccess = 3, at
	st.Delivered = &Snapshot{At: at, Components: 10, Relations: 4, Digest: "abc", IDs: []string{"a", "b"}}
	st.User = map[string]any{"cursor": "2026-11-01"}
	if err := s.Save(st); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("cmdb")
	if err != nil {
		t.Fatal(err)
	}
	if got.Runs != 3 || !got.LastSuccess.Equal(at) || got.Delivered.Components != 10 || got.User.(map[string]any)["cursor"] != "2026-11-01" {
		t.Errorf("loaded %+v", got)
	}
	// No temporary files are left behind.
	files, _ := os.ReadDir(s.dir)
	if len(files) != 1 || files[0].Name() != "cmdb.json" {
		t.Errorf("files %v", files)
	}
}

func TestCorruptFileIsSetAside(t *testing.T) {
	s, _ := Open(t.TempDir())
	for name, content := range map[string]string{"torn": `{"version": 1, "mapping": "to`, "other": `{"version": 1, "mapping": "someone-else"}`, "future": `{"version": 99, "mapping": "future"}`} {
		os.WriteFile(filepath.Join(s.dir, name+".json"), []byte(content), 0o644)
		st, err := s.Load(name)
		if err == nil || !strings.Contains(err.Error(), "moved it to") {
			t.Errorf("%s: error %v", name, err)
		}
		if st == nil || st.Mapping != name || st.Runs != 0 {
			t.Errorf("%s: state %+v, want an empty one", name, st)
		}
		if _, err := os.Stat(filepath.Join(s.dir, name+".json")); !os.IsNotExist(err) {
			t.Errorf("%s: the corrupt file is still in place", name)
		}
		aside, _ := filepath.Glob(filepath.Join(s.dir, name+".json.corrupt-*"))
		if len(aside) != 1 {
			t.Errorf("%s: set aside as %v", name, aside)
		}
		// The next load starts afresh without complaint.
		if _, err := s.Load(name); err != nil {
			t.Errorf("%s: second load: %v", name, err)
		}
	}
}

func TestConcurrentSaves(t *testing.T) {
	s, _ := Open(t.TempDir())
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Save(&State{Mapping: "m", Runs: int64(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := s.Load("m"); err != nil {
		t.Errorf("after concurrent saves: %v", err)
	}
}

func TestUnsafeNames(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, n := range []string{"../x", "", ".hidden", "a/b"} {
		if err := s.Save(&State{Mapping: n}); err == nil {
			t.Errorf("saved a state named %q", n)
		}
	}
}

func snap(ids ...string) *Snapshot { return &Snapshot{Components: len(ids), IDs: ids} }

func TestGuard(t *testing.T) {
	prev := snap("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	cases := []struct {
		name    string
		prev    *Snapshot
		next    *Snapshot
		max     float64
		refused bool
	}{
		{"first snapshot", nil, snap(), 50, false},
		{"same", prev, snap("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), 50, false},
		{"grows", prev, snap("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"), 50, false},
		{"half gone", prev, snap("a", "b", "c", "d", "e"), 50, false},
		{"80% gone", prev, snap("a", "b"), 50, true},
		{"empty", prev, snap(), 50, true},
		{"renamed all, same size", prev, snap("k", "l", "m", "n", "o", "p", "q", "r", "s", "t"), 50, true},
		{"guard off", prev, snap(), 100, false},
	}
	for _, tc := range cases {
		err := Guard("cmdb", tc.prev, tc.next, tc.max)
		if (err != nil) != tc.refused {
			t.Errorf("%s: %v, want refused %v", tc.name, err, tc.refused)
		}
	}
	err := Guard("cmdb", prev, snap("a", "b"), 50)
	if msg := err.Error(); !strings.Contains(msg, "delete 8 of the 10 components") || !strings.Contains(msg, "80% > max_shrink 50%") || !strings.Contains(msg, "--force-shrink cmdb") {
		t.Errorf("message: %s", msg)
	}
}
