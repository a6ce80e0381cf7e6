package model

// Component is one topology component, as a rule built it.
type Component struct {
	ID               string         `json:"id"`
	Type             string         `json:"type"`
	Name             string         `json:"name,omitempty"`
	Layer            string         `json:"layer,omitempty"`
	Domain           string         `json:"domain,omitempty"`
	Environment      string         `json:"environment,omitempty"`
	Labels           []string       `json:"labels,omitempty"`
	Tags             []string       `json:"tags,omitempty"`
	Identifiers      []string       `json:"identifiers,omitempty"`
	Version          string         `json:"version,omitempty"`
	Description      string         `json:"description,omitempty"`
	Data             map[string]any `json:"data,omitempty"`
	SourceProperties map[string]any `json:"source_properties,omitempty"`
}

// Relation is one topology relation between two components.
type Relation struct {
	// ID is the relation's external id; Parse sets it to
	// "<source>-<type>-<target>" when the rule gives none, as the agent does.
	ID                  string         `json:"id"`
	Source              string         `json:"source"`
	Target              string         `json:"target"`
	Type                string         `json:"type"`
	DependencyDirection string         `json:"dependency_direction,omitempty"`
	Data                map[string]any `json:"data,omitempty"`
}

// Metric is one metric point.
type Metric struct {
	Name string `json:"name"`
	// Value is an int or a float64.
	Value     any   `json:"value"`
	Timestamp int64 `json:"timestamp"`
	// Host is empty when the metric belongs to the sender; the payload then
	// names the sender's internalHostname.
	Host string   `json:"host,omitempty"`
	Type string   `json:"type"`
	Tags []string `json:"tags,omitempty"`
}

// Link is a link shown with an event.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Event is one event; with identifiers, category, links or data it becomes a
// topology event bound to the components carrying those identifiers.
type Event struct {
	Title       string         `json:"title"`
	Type        string         `json:"type"`
	Text        string         `json:"text,omitempty"`
	Timestamp   int64          `json:"timestamp"`
	Tags        []string       `json:"tags,omitempty"`
	Host        string         `json:"host,omitempty"`
	Category    string         `json:"category,omitempty"`
	Source      string         `json:"source"`
	Identifiers []string       `json:"identifiers,omitempty"`
	Links       []Link         `json:"links,omitempty"`
	Data        map[string]any `json:"data,omitempty"`
}

// Topological reports whether the event carries a topology context.
func (e *Event) Topological() bool {
	return e.Category != "" || len(e.Identifiers) > 0 || len(e.Links) > 0 || len(e.Data) > 0
}

// Health values of a check state.
const (
	Clear     = "CLEAR"
	Deviating = "DEVIATING"
	Critical  = "CRITICAL"
)

// HealthState is one check state of the mapping's health stream.
type HealthState struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Health     string `json:"health"`
	Identifier string `json:"identifier"`
	Message    string `json:"message,omitempty"`
}

// Instance identifies the topology source: the Custom Synchronization
// StackPack instance whose type and URL the payload carries.
type Instance struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Batch is everything one run of one mapping produced, in rule order.
type Batch struct {
	// Mapping is the mapping's name; it names the health stream.
	Mapping  string   `json:"mapping"`
	Instance Instance `json:"instance"`
	// Topology reports whether the mapping has component or relation
	// rules, so that a run without elements still sends an empty topology
	// snapshot; a batch of a mapping without them sends no topology at all.
	Topology bool `json:"-"`
	// Health reports whether the mapping has health rules, so that a run
	// without check states still sends an empty health snapshot.
	Health bool `json:"-"`

	Components   []Component   `json:"components"`
	Relations    []Relation    `json:"relations"`
	Metrics      []Metric      `json:"metrics"`
	Events       []Event       `json:"events"`
	HealthStates []HealthState `json:"health"`
}

// NewBatch returns an empty batch of topology whose lists are empty, never
// nil.
func NewBatch(mapping string, inst Instance) *Batch {
	return &Batch{
		Mapping:      mapping,
		Instance:     inst,
		Topology:     true,
		Components:   []Component{},
		Relations:    []Relation{},
		Metrics:      []Metric{},
		Events:       []Event{},
		HealthStates: []HealthState{},
	}
}
