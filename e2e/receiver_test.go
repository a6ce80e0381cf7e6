//go:build e2e

package e2e

import (
	"net/url"
	"testing"

	"github.com/stackmap/stackmap/engine/receiver"
)

// liveReceiver is `stackmap receive` run as a process: the end-to-end
// suites deliver to it as they would to StackState, and read back what it
// holds through its API with the methods of receiver.Receiver.
type liveReceiver struct {
	// URL is the receiver's base URL, as httptest.Server has it.
	URL string
	t   *testing.T
}

// startReceiver starts `stackmap receive` requiring key; it stops with the
// test.
func startReceiver(t *testing.T, key string) *liveReceiver {
	t.Helper()
	p := start(t, []string{"STACKMAP_API_KEY=" + key}, "receive", "--listen", "127.0.0.1:0")
	return &liveReceiver{URL: "http://" + p.address(t), t: t}
}

// Close is here for the suites' defer; the process stops with the test.
func (r *liveReceiver) Close() {}

// Topology returns the instance's last completed snapshot, or nil, and the
// number of completed snapshots.
func (r *liveReceiver) Topology(inst receiver.Instance) (*receiver.Topology, int) {
	var got struct {
		Snapshots  int
		Components []map[string]any
		Relations  []map[string]any
	}
	getJSON(r.t, r.URL+"/api/topology?type="+url.QueryEscape(inst.Type)+"&url="+url.QueryEscape(inst.URL), &got)
	if got.Snapshots == 0 {
		return nil, 0
	}
	top := &receiver.Topology{Components: map[string]map[string]any{}, Relations: map[string]map[string]any{}}
	for _, c := range got.Components {
		top.Components[c["externalId"].(string)] = c
	}
	for _, rel := range got.Relations {
		top.Relations[rel["externalId"].(string)] = rel
	}
	return top, got.Snapshots
}

// Open reports whether a snapshot of the instance is started and not
// stopped.
func (r *liveReceiver) Open(inst receiver.Instance) bool {
	var got struct{ Open bool }
	getJSON(r.t, r.URL+"/api/topology?type="+url.QueryEscape(inst.Type)+"&url="+url.QueryEscape(inst.URL), &got)
	return got.Open
}

// Envelopes returns the envelopes the receiver accepted, in order.
func (r *liveReceiver) Envelopes() []map[string]any {
	var got struct{ Envelopes []map[string]any }
	getJSON(r.t, r.URL+"/api/envelopes", &got)
	return got.Envelopes
}
