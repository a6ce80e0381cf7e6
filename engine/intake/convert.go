package intake

import (
	"maps"

	"github.com/stackmap/stackmap/engine/model"
)

// DefaultEventCategory is the context category of a topology event that
// names none.
const DefaultEventCategory = "Others"

// component returns the wire form of c: its data is a copy of c.Data with
// the component's set fields written over it.
func component(c *model.Component) Component {
	data := copyMap(c.Data)
	setString(data, "name", c.Name)
	setString(data, "layer", c.Layer)
	setString(data, "domain", c.Domain)
	setString(data, "environment", c.Environment)
	setStrings(data, "labels", c.Labels)
	setStrings(data, "tags", c.Tags)
	setStrings(data, "identifiers", c.Identifiers)
	setString(data, "version", c.Version)
	setString(data, "description", c.Description)
	return Component{
		ExternalID:       c.ID,
		Type:             TypeName{Name: c.Type},
		Data:             data,
		SourceProperties: maps.Clone(c.SourceProperties),
	}
}

// relation returns the wire form of r.
func relation(r *model.Relation) Relation {
	data := copyMap(r.Data)
	setString(data, "dependencyDirection", r.DependencyDirection)
	return Relation{
		ExternalID: r.ID,
		Type:       TypeName{Name: r.Type},
		SourceID:   r.Source,
		TargetID:   r.Target,
		Data:       data,
	}
}

// metric returns the wire form of m; a metric without a host belongs to
// the sender, hostname.
func metric(m *model.Metric, hostname string) Metric {
	host := m.Host
	if host == "" {
		host = hostname
	}
	return Metric{
		Name:      m.Name,
		Timestamp: m.Timestamp,
		Value:     m.Value,
		Attributes: MetricAttributes{
			Hostname: host,
			Type:     m.Type,
			Tags:     copyStrings(m.Tags),
		},
	}
}

// event returns the wire form of ev, with a topology context when the event
// is topological.
func event(ev *model.Event) Event {
	out := Event{
		Title:          ev.Title,
		Text:           ev.Text,
		Timestamp:      ev.Timestamp,
		EventType:      ev.Type,
		SourceTypeName: ev.Source,
		Tags:           copyStrings(ev.Tags),
		Host:           ev.Host,
	}
	if !ev.Topological() {
		return out
	}
	category := ev.Category
	if category == "" {
		category = DefaultEventCategory
	}
	links := make([]Link, 0, len(ev.Links))
	for _, l := range ev.Links {
		links = append(links, Link{Title: l.Title, URL: l.URL})
	}
	out.Context = &EventContext{
		Category:           category,
		Source:             ev.Source,
		ElementIdentifiers: copyStrings(ev.Identifiers),
		SourceLinks:        links,
		Data:               copyMap(ev.Data),
	}
	return out
}

// checkState returns the wire form of s.
func checkState(s *model.HealthState) CheckState {
	return CheckState{
		CheckStateID:              s.ID,
		Name:                      s.Name,
		Health:                    s.Health,
		TopologyElementIdentifier: s.Identifier,
		Message:                   s.Message,
	}
}

// copyMap returns a shallow copy of m that is never nil.
func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	maps.Copy(out, m)
	return out
}

// copyStrings returns a copy of s that is never nil.
func copyStrings(s []string) []string {
	return append(make([]string, 0, len(s)), s...)
}

// setString sets data[key] to v unless v is empty.
func setString(data map[string]any, key, v string) {
	if v != "" {
		data[key] = v
	}
}

// setStrings sets data[key] to a copy of v unless v is empty.
func setStrings(data map[string]any, key string, v []string) {
	if len(v) > 0 {
		data[key] = copyStrings(v)
	}
}
