package intake

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testNow is the collection time of the test envelopes.
var testNow = time.Unix(1700000100, 0)

// basicBatch returns a small batch with one element of every kind and form.
func basicBatch() *model.Batch {
	b := model.NewBatch("shop", model.Instance{Type: "stackmap", URL: "stackmap://prod"})
	b.Health = true
	b.Components = []model.Component{
		{
			ID:          "stackmap:host:web-01",
			Type:        "host",
			Name:        "web-01",
			Layer:       "Machines",
			Domain:      "Webshop",
			Environment: "Production",
			Labels:      []string{"stackmap", "region:eu-west-1"},
			Identifiers: []string{"urn:host:/web-01.example.com"},
			Data:        map[string]any{"cpus": 4, "name": "replaced by Name"},
			SourceProperties: map[string]any{
				"raw": map[string]any{"id": "i-0abc", "zone": "eu-west-1a"},
			},
		},
		{
			ID:          "stackmap:app:shop",
			Type:        "application",
			Name:        "Shop",
			Tags:        []string{"team:web"},
			Identifiers: []string{"urn:stackmap:app:shop"},
			Version:     "1.2.3",
			Description: "Web shop",
			Data:        map[string]any{"replicas": 3, "owner": map[string]any{"team": "web"}},
		},
		{
			ID:   "stackmap:db:orders",
			Type: "database",
			Name: "orders",
		},
	}
	b.Relations = []model.Relation{
		{
			ID:                  "stackmap:app:shop-runs_on-stackmap:host:web-01",
			Source:              "stackmap:app:shop",
			Target:              "stackmap:host:web-01",
			Type:                "runs_on",
			DependencyDirection: "ONE_WAY",
			Data:                map[string]any{"port": 443},
		},
	}
	b.Metrics = []model.Metric{
		{Name: "shop.queue.depth", Value: 42, Timestamp: 1700000000, Host: "web-01", Type: "gauge", Tags: []string{"queue:orders"}},
		{Name: "shop.latency", Value: 0.25, Timestamp: 1700000000, Type: "gauge"},
	}
	b.Events = []model.Event{
		{
			Title:       "Deployment finished",
			Type:        "VersionChangedEvent",
			Text:        "Version 1.2.3 rolled out",
			Timestamp:   1700000050,
			Tags:        []string{"env:prod"},
			Host:        "web-01",
			Category:    "Changes",
			Source:      "shop.deploy",
			Identifiers: []string{"urn:host:/web-01.example.com"},
			Links:       []model.Link{{Title: "Pipeline", URL: "https://ci.example.com/job/1"}},
			Data:        map[string]any{"old": "1.2.2", "new": "1.2.3"},
		},
		{
			Title:     "Cache flushed",
			Type:      "CacheFlushedEvent",
			Timestamp: 1700000060,
			Source:    "shop.cache",
		},
	}
	b.HealthStates = []model.HealthState{
		{ID: "web-01-disk", Name: "Disk usage", Health: model.Deviating, Identifier: "urn:host:/web-01.example.com", Message: "Disk 91% full"},
		{ID: "shop-up", Name: "Shop up", Health: model.Clear, Identifier: "urn:stackmap:app:shop"},
	}
	return b
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		batch func() *model.Batch
	}{
		{"basic", basicBatch},
		{"empty", func() *model.Batch {
			b := model.NewBatch("empty", model.Instance{Type: "stackmap", URL: "stackmap://prod"})
			b.Health = true
			return b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envs, err := Build(tt.batch(), Options{Hostname: "stackmap-test", Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if len(envs) != 1 {
				t.Fatalf("got %d envelopes, want 1", len(envs))
			}
			var got bytes.Buffer
			if err := EncodeIndent(&got, &envs[0]); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("envelope differs from %s (run go test -update to accept):\ngot:\n%s", path, got.String())
			}
		})
	}
}
