package intake

// Envelope is the body of one POST to the receiver's intake endpoint. Its
// fields are encoded in the order the receiver documentation shows them.
type Envelope struct {
	// CollectionTimestamp is the collection time in epoch seconds.
	CollectionTimestamp int64 `json:"collection_timestamp"`
	// InternalHostname names the sender; the topology synchronization
	// treats it as the producer of the snapshot.
	InternalHostname string `json:"internalHostname"`
	// Events maps an event source to its events, in batch order.
	Events        map[string][]Event `json:"events"`
	Metrics       []Metric           `json:"metrics"`
	ServiceChecks []any              `json:"service_checks"`
	Health        []Health           `json:"health"`
	Topologies    []Topology         `json:"topologies"`
}

// Topology is one part of a topology snapshot of one instance.
type Topology struct {
	StartSnapshot bool        `json:"start_snapshot"`
	StopSnapshot  bool        `json:"stop_snapshot"`
	Instance      Instance    `json:"instance"`
	DeleteIDs     []string    `json:"delete_ids"`
	Components    []Component `json:"components"`
	Relations     []Relation  `json:"relations"`
}

// Instance identifies the topology source; the receiver routes the topology
// to the Kafka topic sts_topo_<type>_<url>.
type Instance struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// TypeName is the wire form of a component or relation type.
type TypeName struct {
	Name string `json:"name"`
}

// Component is the wire form of a topology component.
type Component struct {
	ExternalID string         `json:"externalId"`
	Type       TypeName       `json:"type"`
	Data       map[string]any `json:"data"`
	// SourceProperties is omitted when nil; the UI shows it instead of Data.
	SourceProperties map[string]any `json:"sourceProperties,omitzero"`
}

// Relation is the wire form of a topology relation.
type Relation struct {
	ExternalID string         `json:"externalId"`
	Type       TypeName       `json:"type"`
	SourceID   string         `json:"sourceId"`
	TargetID   string         `json:"targetId"`
	Data       map[string]any `json:"data"`
}

// Event is the wire form of an event.
type Event struct {
	Title          string   `json:"msg_title"`
	Text           string   `json:"msg_text"`
	Timestamp      int64    `json:"timestamp"`
	EventType      string   `json:"event_type"`
	SourceTypeName string   `json:"source_type_name"`
	Tags           []string `json:"tags"`
	Host           string   `json:"host,omitempty"`
	// Context is set for topology events only.
	Context *EventContext `json:"context,omitempty"`
}

// EventContext binds an event to the topology.
type EventContext struct {
	Category           string         `json:"category"`
	Source             string         `json:"source"`
	ElementIdentifiers []string       `json:"element_identifiers"`
	SourceLinks        []Link         `json:"source_links"`
	Data               map[string]any `json:"data"`
}

// Link is a link shown with a topology event.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// ConsistencyModel is the consistency model of every health stream Build
// produces.
const ConsistencyModel = "REPEAT_SNAPSHOTS"

// Health is one part of a health snapshot of one stream.
type Health struct {
	ConsistencyModel string `json:"consistency_model"`
	Stream           Stream `json:"stream"`
	// StartSnapshot is set only on the part that starts the snapshot.
	StartSnapshot *StartSnapshot `json:"start_snapshot,omitempty"`
	// StopSnapshot is set only on the part that stops the snapshot.
	StopSnapshot *StopSnapshot `json:"stop_snapshot,omitempty"`
	CheckStates  []CheckState  `json:"check_states"`
}

// Stream identifies a health stream.
type Stream struct {
	URN string `json:"urn"`
}

// StartSnapshot starts a health snapshot.
type StartSnapshot struct {
	// RepeatIntervalS is how often, in seconds, the snapshot is repeated.
	RepeatIntervalS int64 `json:"repeat_interval_s"`
}

// StopSnapshot stops a health snapshot; it has no fields.
type StopSnapshot struct{}

// CheckState is the wire form of one health check state.
type CheckState struct {
	CheckStateID              string `json:"checkStateId"`
	Name                      string `json:"name"`
	Health                    string `json:"health"`
	TopologyElementIdentifier string `json:"topologyElementIdentifier"`
	Message                   string `json:"message,omitempty"`
}
