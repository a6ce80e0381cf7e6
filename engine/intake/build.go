package intake

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/stackmap/stackmap/engine/model"
)

// HealthStreamURN returns the URN of the health stream of a mapping.
func HealthStreamURN(mapping string) string {
	return "urn:health:stackmap:" + url.PathEscape(mapping)
}

// Build turns b into the envelopes that carry it, in the order they must be
// sent. The elements fill the envelopes in the order components, relations,
// check states, metrics, events, with at most opt.ChunkSize elements per
// envelope; there is always at least one envelope.
//
// The topology is one snapshot of b.Instance: the first envelope holding
// components or relations starts it and the last one stops it, and a batch
// without either still sends a complete, empty snapshot in the first
// envelope when b.Topology is set — when its mapping has topology rules. A
// mapping of only metrics, events or health sends no topology at all, so it
// cannot empty its instance's topology. The health stream of the mapping, present when b.Health is set
// or b has check states, is a snapshot in the same way.
//
// Build trusts that b passed model's checks; it fails only on a nil batch,
// an empty instance type or URL, or invalid options.
func Build(b *model.Batch, opt Options) ([]Envelope, error) {
	if b == nil {
		return nil, errors.New("build envelopes: batch is nil")
	}
	r, err := opt.resolve()
	if err != nil {
		return nil, fmt.Errorf("build envelopes of mapping %q: %w", b.Mapping, err)
	}
	if b.Instance.Type == "" {
		return nil, fmt.Errorf("build envelopes of mapping %q: instance type is empty", b.Mapping)
	}
	if b.Instance.URL == "" {
		return nil, fmt.Errorf("build envelopes of mapping %q: instance url is empty", b.Mapping)
	}

	total := len(b.Components) + len(b.Relations) + len(b.HealthStates) + len(b.Metrics) + len(b.Events)
	envs := make([]Envelope, max(1, (total+r.chunkSize-1)/r.chunkSize))
	for i := range envs {
		envs[i] = Envelope{
			CollectionTimestamp: r.timestamp,
			InternalHostname:    r.hostname,
			Events:              map[string][]Event{},
			Metrics:             []Metric{},
			ServiceChecks:       []any{},
			Health:              []Health{},
			Topologies:          []Topology{},
		}
	}
	p := placer{envs: envs, size: r.chunkSize}
	inst := Instance{Type: b.Instance.Type, URL: b.Instance.URL}

	for i := range b.Components {
		t := p.next().topology(inst)
		t.Components = append(t.Components, component(&b.Components[i]))
	}
	for i := range b.Relations {
		t := p.next().topology(inst)
		t.Relations = append(t.Relations, relation(&b.Relations[i]))
	}
	if b.Topology || len(b.Components)+len(b.Relations) > 0 {
		markTopology(envs, inst)
	}

	if b.Health || len(b.HealthStates) > 0 {
		urn := HealthStreamURN(b.Mapping)
		for i := range b.HealthStates {
			h := p.next().health(urn)
			h.CheckStates = append(h.CheckStates, checkState(&b.HealthStates[i]))
		}
		markHealth(envs, urn, r.repeatS)
	}

	for i := range b.Metrics {
		e := p.next()
		e.Metrics = append(e.Metrics, metric(&b.Metrics[i], r.hostname))
	}
	for i := range b.Events {
		ev := &b.Events[i]
		e := p.next()
		e.Events[ev.Source] = append(e.Events[ev.Source], event(ev))
	}
	return envs, nil
}

// placer hands out the envelope each next element goes into.
type placer struct {
	envs []Envelope
	size int
	n    int
}

// next returns the envelope of the next element.
func (p *placer) next() *Envelope {
	e := &p.envs[p.n/p.size]
	p.n++
	return e
}

// topology returns the envelope's topology of inst, adding it if the
// envelope has none yet.
func (e *Envelope) topology(inst Instance) *Topology {
	if len(e.Topologies) == 0 {
		e.Topologies = append(e.Topologies, Topology{
			Instance:   inst,
			DeleteIDs:  []string{},
			Components: []Component{},
			Relations:  []Relation{},
		})
	}
	return &e.Topologies[0]
}

// health returns the envelope's part of the health stream urn, adding it if
// the envelope has none yet.
func (e *Envelope) health(urn string) *Health {
	if len(e.Health) == 0 {
		e.Health = append(e.Health, Health{
			ConsistencyModel: ConsistencyModel,
			Stream:           Stream{URN: urn},
			CheckStates:      []CheckState{},
		})
	}
	return &e.Health[0]
}

// markTopology starts the topology snapshot on the first envelope that
// carries topology and stops it on the last, putting an empty snapshot into
// the first envelope when none does.
func markTopology(envs []Envelope, inst Instance) {
	first, last := span(envs, func(e *Envelope) bool { return len(e.Topologies) > 0 })
	if first < 0 {
		envs[0].topology(inst)
		first, last = 0, 0
	}
	envs[first].Topologies[0].StartSnapshot = true
	envs[last].Topologies[0].StopSnapshot = true
}

// markHealth starts the health snapshot on the first envelope that carries
// check states and stops it on the last, putting an empty snapshot into the
// first envelope when none does.
func markHealth(envs []Envelope, urn string, repeatS int64) {
	first, last := span(envs, func(e *Envelope) bool { return len(e.Health) > 0 })
	if first < 0 {
		envs[0].health(urn)
		first, last = 0, 0
	}
	envs[first].Health[0].StartSnapshot = &StartSnapshot{RepeatIntervalS: repeatS}
	envs[last].Health[0].StopSnapshot = &StopSnapshot{}
}

// span returns the indexes of the first and last envelopes for which has is
// true, or -1, -1 when there are none.
func span(envs []Envelope, has func(*Envelope) bool) (first, last int) {
	first, last = -1, -1
	for i := range envs {
		if has(&envs[i]) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}
