package receiver

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Faults make a share of intake requests fail, as a struggling receiver
// does.
type Faults struct {
	// Rate is the share of requests that fail, from 0 to 1.
	Rate float64
	// Kinds are the failures to choose from: "500", "429" (with
	// Retry-After: 1) and "timeout" (no answer for Delay, then 504).
	Kinds []string
	// Delay is how long a "timeout" hangs; default 15s.
	Delay time.Duration
}

// inject answers r with a fault, or reports false to let it through.
func (f *Faults) inject(w http.ResponseWriter, r *http.Request) bool {
	if f.Rate <= 0 || rand.Float64() >= f.Rate || len(f.Kinds) == 0 {
		return false
	}
	switch f.Kinds[rand.N(len(f.Kinds))] {
	case "429":
		w.Header().Set("Retry-After", "1")
		http.Error(w, "injected fault: too many requests", http.StatusTooManyRequests)
	case "timeout":
		d := f.Delay
		if d == 0 {
			d = 15 * time.Second
		}
		select {
		case <-r.Context().Done():
		case <-time.After(d):
		}
		http.Error(w, "injected fault: gateway timeout", http.StatusGatewayTimeout)
	default:
		http.Error(w, "injected fault: internal server error", http.StatusInternalServerError)
	}
	return true
}

// LogEntry is one intake request the receiver answered.
type LogEntry struct {
	At      time.Time `json:"at"`
	Status  int       `json:"status"`
	Message string    `json:"message,omitempty"`
	Bytes   int64     `json:"bytes"`
	Notes   []string  `json:"notes,omitempty"`
}

// logWriter remembers the status and message of an answer.
type logWriter struct {
	http.ResponseWriter
	status int
	msg    strings.Builder
}

func (w *logWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.status >= 300 && w.msg.Len() < 300 {
		w.msg.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (rc *Receiver) record(r *http.Request, w *logWriter) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.log = append(rc.log, LogEntry{At: time.Now().UTC(), Status: w.status, Message: strings.TrimSpace(w.msg.String()), Bytes: r.ContentLength, Notes: rc.notes})
	rc.notes = nil
	if len(rc.log) > maxKept {
		rc.log = rc.log[len(rc.log)-maxKept:]
	}
}

// telemetry is what the receiver keeps of metrics, events and health.
type telemetry struct {
	Metrics []any                     `json:"metrics"`
	Events  []any                     `json:"events"`
	Health  map[string]*healthStream  `json:"health"`
	open    map[string]map[string]any // health snapshots in progress, by urn
}

type healthStream struct {
	Snapshots   int            `json:"snapshots"`
	CheckStates map[string]any `json:"check_states"`
}

func (t *telemetry) add(env map[string]any) {
	if t.Health == nil {
		t.Health, t.open = map[string]*healthStream{}, map[string]map[string]any{}
	}
	metrics, _ := env["metrics"].([]any)
	t.Metrics = tail(append(t.Metrics, metrics...))
	if evs, ok := env["events"].(map[string]any); ok {
		for _, list := range evs {
			l, _ := list.([]any)
			t.Events = tail(append(t.Events, l...))
		}
	}
	health, _ := env["health"].([]any)
	for _, h := range health {
		m, _ := h.(map[string]any)
		stream, _ := m["stream"].(map[string]any)
		urn, _ := stream["urn"].(string)
		if urn == "" {
			continue
		}
		if _, ok := m["start_snapshot"]; ok {
			t.open[urn] = map[string]any{}
		}
		states, _ := m["check_states"].([]any)
		if open := t.open[urn]; open != nil {
			for _, s := range states {
				cs, _ := s.(map[string]any)
				id, _ := cs["checkStateId"].(string)
				open[id] = cs
			}
		}
		if _, ok := m["stop_snapshot"]; ok && t.open[urn] != nil {
			hs := t.Health[urn]
			if hs == nil {
				hs = &healthStream{}
				t.Health[urn] = hs
			}
			hs.Snapshots++
			hs.CheckStates = t.open[urn]
			delete(t.open, urn)
		}
	}
}

func tail(l []any) []any {
	if len(l) > maxKept {
		return l[len(l)-maxKept:]
	}
	return l
}

// Handler serves the intake and the receiver's API: /api/topology (all
// instances, or one with ?type=&url=), /api/metrics, /api/events,
// /api/health, /api/envelopes (the last ones accepted) and /api/log.
func (rc *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", rc)
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(v)
	}
	mux.HandleFunc("GET /api/topology", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		typ, url := r.URL.Query().Get("type"), r.URL.Query().Get("url")
		if typ == "" && url == "" {
			var list []map[string]any
			for inst, top := range rc.done {
				list = append(list, map[string]any{"type": inst.Type, "url": inst.URL, "components": len(top.Components), "relations": len(top.Relations), "snapshots": rc.snapshots[inst], "open": rc.open[inst] != nil})
			}
			sort.Slice(list, func(i, j int) bool {
				return fmt.Sprint(list[i]["type"], list[i]["url"]) < fmt.Sprint(list[j]["type"], list[j]["url"])
			})
			reply(w, map[string]any{"instances": list})
			return
		}
		inst := Instance{Type: typ, URL: url}
		top := rc.done[inst]
		if top == nil {
			top = &Topology{}
		}
		reply(w, map[string]any{"type": typ, "url": url, "snapshots": rc.snapshots[inst], "open": rc.open[inst] != nil,
			"components": sortedValues(top.Components), "relations": sortedValues(top.Relations)})
	})
	mux.HandleFunc("GET /api/metrics", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		reply(w, map[string]any{"metrics": nonNil(rc.telemetry.Metrics)})
	})
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		reply(w, map[string]any{"events": nonNil(rc.telemetry.Events)})
	})
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		h := rc.telemetry.Health
		if h == nil {
			h = map[string]*healthStream{}
		}
		reply(w, map[string]any{"streams": h})
	})
	mux.HandleFunc("GET /api/envelopes", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		reply(w, map[string]any{"envelopes": append([]map[string]any{}, rc.envelopes...)})
	})
	mux.HandleFunc("GET /api/log", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		reply(w, map[string]any{"requests": append([]LogEntry{}, rc.log...)})
	})
	return mux
}

func sortedValues(m map[string]map[string]any) []map[string]any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]any, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// stored is what a receiver's store file holds.
type stored struct {
	Topologies []storedTopology         `json:"topologies"`
	Health     map[string]*healthStream `json:"health"`
}

type storedTopology struct {
	Type, URL  string
	Snapshots  int
	Components map[string]map[string]any
	Relations  map[string]map[string]any
}

// save writes the completed topologies and health to the store; the
// caller holds the lock.
func (rc *Receiver) save() error {
	var s stored
	for inst, top := range rc.done {
		s.Topologies = append(s.Topologies, storedTopology{Type: inst.Type, URL: inst.URL, Snapshots: rc.snapshots[inst], Components: top.Components, Relations: top.Relations})
	}
	s.Health = rc.telemetry.Health
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp := rc.Store + ".tmp"
	if err := os.MkdirAll(filepath.Dir(rc.Store), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, rc.Store)
}

// Load reads the store file, if there is one.
func (rc *Receiver) Load() error {
	b, err := os.ReadFile(rc.Store)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("receiver store: %w", err)
	}
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("receiver store %s: %w", rc.Store, err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, t := range s.Topologies {
		inst := Instance{Type: t.Type, URL: t.URL}
		rc.done[inst] = &Topology{Components: t.Components, Relations: t.Relations}
		rc.snapshots[inst] = t.Snapshots
	}
	rc.telemetry.Health, rc.telemetry.open = s.Health, map[string]map[string]any{}
	if rc.telemetry.Health == nil {
		rc.telemetry.Health = map[string]*healthStream{}
	}
	return nil
}
