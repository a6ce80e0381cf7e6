package receiver

import (
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// maxBody caps one request's decoded body.
const maxBody = 256 << 20

// Receiver is an http.Handler for /stsAgent/intake and
// /receiver/stsAgent/intake. It is safe for concurrent use.
type Receiver struct {
	// Key is the API key requests must carry; empty accepts any key.
	Key string

	// Faults, when set, makes a share of intake requests fail, for tests
	// of the sender's retries.
	Faults *Faults
	// Store, when set, is a file the topology and health are saved to after
	// every accepted request and loaded from by Load.
	Store string

	mu        sync.Mutex
	envelopes []map[string]any
	open      map[Instance]*Topology // snapshots in progress
	done      map[Instance]*Topology // the last completed snapshot
	snapshots map[Instance]int
	telemetry telemetry
	log       []LogEntry
	notes     []string // what the request being applied dropped
}

// Instance names a topology source.
type Instance struct{ Type, URL string }

// Topology is one instance's components and relations, by external id.
type Topology struct {
	Components map[string]map[string]any
	Relations  map[string]map[string]any
}

// New returns a receiver that requires key.
func New(key string) *Receiver {
	return &Receiver{Key: key, open: map[Instance]*Topology{}, done: map[Instance]*Topology{}, snapshots: map[Instance]int{}}
}

// ServeHTTP checks and accepts one intake request.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := strings.TrimSuffix(r.URL.Path, "/"); p == "/stsAgent/features" || p == "/receiver/stsAgent/features" {
		if rc.Key != "" && r.Header.Get("sts-api-key") != rc.Key && r.URL.Query().Get("api_key") != rc.Key {
			http.Error(w, "invalid API key", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"health-states": true, "incremental-topology": false}`)
		return
	}
	if p := strings.TrimSuffix(r.URL.Path, "/"); p != "/stsAgent/intake" && p != "/receiver/stsAgent/intake" {
		http.NotFound(w, r)
		return
	}
	lw := &logWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() { rc.record(r, lw) }()
	w = lw
	if rc.Faults != nil && rc.Faults.inject(w, r) {
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if rc.Key != "" && r.Header.Get("sts-api-key") != rc.Key && r.URL.Query().Get("api_key") != rc.Key {
		http.Error(w, "invalid API key", http.StatusForbidden)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		http.Error(w, "the intake endpoint requires Content-Type: application/json", http.StatusUnsupportedMediaType)
		return
	}
	body, err := decodeBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, "Failed to deserialize JSON on fields: , with message: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := rc.accept(env); err != nil {
		http.Error(w, "Failed to deserialize JSON on fields: , with message: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func decodeBody(r *http.Request) ([]byte, error) {
	var body io.Reader = r.Body
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("invalid gzip body: %w", err)
		}
		body = zr
	case "deflate":
		zr, err := zlib.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("invalid deflate body: %w", err)
		}
		body = zr
	case "", "identity":
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("body over %d bytes", maxBody)
	}
	return b, nil
}

// accept validates an envelope and applies its topology.
func (rc *Receiver) accept(env map[string]any) error {
	if h, ok := env["internalHostname"].(string); !ok || h == "" {
		//lint:ignore ST1005 the real receiver's message, word for word
		return errors.New("Object is missing required member 'internalHostname'")
	}
	for _, k := range []string{"metrics", "service_checks", "health", "topologies"} {
		if v, has := env[k]; has {
			if _, ok := v.([]any); !ok {
				return fmt.Errorf("member '%s' must be an array, got %s", k, jsonType(v))
			}
		}
	}
	if v, has := env["events"]; has {
		if _, ok := v.(map[string]any); !ok {
			return fmt.Errorf("member 'events' must be an object, got %s", jsonType(v))
		}
	}
	topos, _ := env["topologies"].([]any)
	for i, t := range topos {
		if err := checkTopology(t); err != nil {
			return fmt.Errorf("topologies[%d]: %w", i, err)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, t := range topos {
		rc.apply(t.(map[string]any))
	}
	rc.telemetry.add(env)
	rc.envelopes = append(rc.envelopes, env)
	if len(rc.envelopes) > maxKept {
		rc.envelopes = rc.envelopes[len(rc.envelopes)-maxKept:]
	}
	if rc.Store != "" {
		if err := rc.save(); err != nil {
			rc.notes = append(rc.notes, "store: "+err.Error())
		}
	}
	return nil
}

// maxKept bounds the envelopes, metrics, events and log entries a receiver
// keeps.
const maxKept = 10000

func checkTopology(v any) error {
	t, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("expected an object, got %s", jsonType(v))
	}
	inst, ok := t["instance"].(map[string]any)
	if !ok {
		return fmt.Errorf("missing required member 'instance'")
	}
	for _, k := range []string{"type", "url"} {
		if s, ok := inst[k].(string); !ok || s == "" {
			return fmt.Errorf("instance.%s must be a non-empty string", k)
		}
	}
	for _, k := range []string{"start_snapshot", "stop_snapshot"} {
		if _, ok := t[k].(bool); !ok {
			return fmt.Errorf("member '%s' must be a boolean", k)
		}
	}
	for _, k := range []string{"components", "relations", "delete_ids"} {
		if _, ok := t[k].([]any); !ok {
			return fmt.Errorf("member '%s' must be an array (the receiver rejects null lists), got %s", k, jsonType(t[k]))
		}
	}
	for i, c := range t["components"].([]any) {
		if err := checkElement(c, "sourceId", "targetId"); err != nil {
			return fmt.Errorf("components[%d]: %w", i, err)
		}
	}
	for i, r := range t["relations"].([]any) {
		if err := checkElement(r); err != nil {
			return fmt.Errorf("relations[%d]: %w", i, err)
		}
		rel := r.(map[string]any)
		for _, k := range []string{"sourceId", "targetId"} {
			if s, ok := rel[k].(string); !ok || s == "" {
				return fmt.Errorf("relations[%d]: %s must be a non-empty string", i, k)
			}
		}
	}
	return nil
}

// checkElement checks the members components and relations share; the
// names in absent must not be there.
func checkElement(v any, absent ...string) error {
	e, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("expected an object, got %s", jsonType(v))
	}
	if s, ok := e["externalId"].(string); !ok || s == "" {
		return fmt.Errorf("externalId must be a non-empty string")
	}
	typ, ok := e["type"].(map[string]any)
	if !ok {
		return fmt.Errorf("type must be an object {name}")
	}
	if s, ok := typ["name"].(string); !ok || s == "" {
		return fmt.Errorf("type.name must be a non-empty string")
	}
	if _, ok := e["data"].(map[string]any); !ok {
		return fmt.Errorf("data must be an object, got %s", jsonType(e["data"]))
	}
	for _, k := range absent {
		if _, has := e[k]; has {
			return fmt.Errorf("unexpected member %q", k)
		}
	}
	return nil
}

// apply adds a topology message to its instance's snapshot.
func (rc *Receiver) apply(t map[string]any) {
	inst := t["instance"].(map[string]any)
	key := Instance{Type: inst["type"].(string), URL: inst["url"].(string)}
	if t["start_snapshot"].(bool) {
		rc.open[key] = &Topology{Components: map[string]map[string]any{}, Relations: map[string]map[string]any{}}
	}
	target := rc.open[key]
	if target == nil {
		// Outside a snapshot, elements are upserted.
		target = rc.done[key]
		if target == nil {
			target = &Topology{Components: map[string]map[string]any{}, Relations: map[string]map[string]any{}}
			rc.done[key] = target
		}
	}
	for _, c := range t["components"].([]any) {
		m := c.(map[string]any)
		target.Components[m["externalId"].(string)] = m
	}
	for _, r := range t["relations"].([]any) {
		m := r.(map[string]any)
		target.Relations[m["externalId"].(string)] = m
	}
	if t["stop_snapshot"].(bool) && rc.open[key] != nil {
		// As the sync does: a relation whose endpoint is not a component of
		// the snapshot is dropped, with a warning.
		snap := rc.open[key]
		for id, r := range snap.Relations {
			src, _ := r["sourceId"].(string)
			dst, _ := r["targetId"].(string)
			if snap.Components[src] == nil || snap.Components[dst] == nil {
				delete(snap.Relations, id)
				rc.notes = append(rc.notes, fmt.Sprintf("dropped relation %s: an endpoint is not a component of the snapshot", id))
			}
		}
		rc.done[key] = rc.open[key]
		delete(rc.open, key)
		rc.snapshots[key]++
	}
}

// Envelopes returns the accepted envelopes, in order.
func (rc *Receiver) Envelopes() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.envelopes...)
}

// Topology returns the topology of the last completed snapshot of an
// instance, and how many snapshots completed.
func (rc *Receiver) Topology(inst Instance) (*Topology, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.done[inst], rc.snapshots[inst]
}

// Open reports whether a snapshot of the instance was started and not
// stopped.
func (rc *Receiver) Open(inst Instance) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.open[inst] != nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
