package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/stackmap/stackmap/engine/model"
)

// The Append functions write the wire form of one element straight from the
// model, without building the wire structs: the bytes are exactly those
// encoding/json writes for the struct Build makes of the element, compact
// and without HTML escaping, so that an envelope assembled from them is the
// envelope Encode writes. On failure they return dst as it was, with an
// error naming the element; they fail only on a data value encoding/json
// cannot encode either, such as NaN, an infinity or a channel.

// AppendComponent appends the wire form of c to dst: its externalId, type,
// data and sourceProperties. The data is c.Data with the component's set
// fields (name, layer, domain, environment, labels, tags, identifiers,
// version and description) written over it, merged in sorted key order as
// it is written rather than copied into a map first.
func AppendComponent(dst []byte, c *model.Component) ([]byte, error) {
	n := len(dst)
	dst = appendComponentHead(dst, c.ID, c.Type)

	// The set fields, in sorted key order; only the non-empty ones are set,
	// as component does it.
	var buf [9]setField
	fields := buf[:0]
	fields = addString(fields, "description", c.Description)
	fields = addString(fields, "domain", c.Domain)
	fields = addString(fields, "environment", c.Environment)
	fields = addStrings(fields, "identifiers", c.Identifiers)
	fields = addStrings(fields, "labels", c.Labels)
	fields = addString(fields, "layer", c.Layer)
	fields = addString(fields, "name", c.Name)
	fields = addStrings(fields, "tags", c.Tags)
	fields = addString(fields, "version", c.Version)

	dst, err := appendMerged(dst, c.Data, fields)
	if err != nil {
		return dst[:n], fmt.Errorf("encode component %q: data%w", c.ID, err)
	}
	if c.SourceProperties != nil {
		dst = append(dst, `,"sourceProperties":`...)
		if dst, err = appendMap(dst, c.SourceProperties, 1); err != nil {
			return dst[:n], fmt.Errorf("encode component %q: sourceProperties%w", c.ID, err)
		}
	}
	return append(dst, '}'), nil
}

// AppendRelation appends the wire form of r to dst; its data is r.Data with
// dependencyDirection written over it when r sets one.
func AppendRelation(dst []byte, r *model.Relation) ([]byte, error) {
	n := len(dst)
	dst = appendRelationHead(dst, r.ID, r.Type, r.Source, r.Target)
	var buf [1]setField
	dst, err := appendMerged(dst, r.Data, addString(buf[:0], "dependencyDirection", r.DependencyDirection))
	if err != nil {
		return dst[:n], fmt.Errorf("encode relation %q: data%w", r.ID, err)
	}
	return append(dst, '}'), nil
}

// AppendCheckState appends the wire form of the health check state s to
// dst. It cannot fail; the error is there for symmetry.
func AppendCheckState(dst []byte, s *model.HealthState) ([]byte, error) {
	return appendCheckState(dst, s.ID, s.Name, s.Health, s.Identifier, s.Message), nil
}

// AppendMetric appends the wire form of m to dst: the 4-element array
// [name, timestamp, value, attributes]. A metric without a host belongs to
// the sender, hostname.
func AppendMetric(dst []byte, m *model.Metric, hostname string) ([]byte, error) {
	host := m.Host
	if host == "" {
		host = hostname
	}
	out, err := appendMetric(dst, m.Name, m.Timestamp, m.Value, host, m.Type, m.Tags, false)
	if err != nil {
		return dst, fmt.Errorf("encode metric %q: value%w", m.Name, err)
	}
	return out, nil
}

// AppendEvent appends the wire form of ev to dst, with a topology context
// when the event is topological. The events of an envelope are grouped by
// ev.Source, which is not part of this form.
func AppendEvent(dst []byte, ev *model.Event) ([]byte, error) {
	n := len(dst)
	dst = appendEventHead(dst, ev.Title, ev.Text, ev.Timestamp, ev.Type, ev.Source, ev.Tags, false, ev.Host)
	if !ev.Topological() {
		return append(dst, '}'), nil
	}
	category := ev.Category
	if category == "" {
		category = DefaultEventCategory
	}
	dst = appendContextHead(dst, category, ev.Source, ev.Identifiers, false)
	dst = append(dst, `,"source_links":[`...)
	for i := range ev.Links {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendLink(dst, ev.Links[i].Title, ev.Links[i].URL)
	}
	dst = append(dst, `],"data":`...)
	dst, err := appendMerged(dst, ev.Data, nil)
	if err != nil {
		return dst[:n], fmt.Errorf("encode event %q: context.data%w", ev.Title, err)
	}
	return append(dst, "}}"...), nil
}

// AppendEnvelope appends e to dst as compact JSON without a trailing
// newline, byte for byte as encoding/json encodes it with HTML escaping
// off. Nil lists and maps are written as null, as encoding/json does; Build
// never makes any.
func AppendEnvelope(dst []byte, e *Envelope) ([]byte, error) {
	n := len(dst)
	dst, err := appendEnvelope(dst, e)
	if err != nil {
		return dst[:n], fmt.Errorf("encode envelope: %w", err)
	}
	return dst, nil
}

// appendEnvelope appends e to dst; see AppendEnvelope.
func appendEnvelope(dst []byte, e *Envelope) ([]byte, error) {
	dst = appendEnvelopeHead(dst, e.CollectionTimestamp, e.InternalHostname)
	var err error
	if e.Events == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '{')
		keys := getKeys()
		for k := range e.Events {
			*keys = append(*keys, k)
		}
		slices.Sort(*keys)
		for i, src := range *keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, src)
			dst = append(dst, ':')
			evs := e.Events[src]
			if evs == nil {
				dst = append(dst, "null"...)
				continue
			}
			dst = append(dst, '[')
			for j := range evs {
				if j > 0 {
					dst = append(dst, ',')
				}
				if dst, err = appendWireEvent(dst, &evs[j]); err != nil {
					putKeys(keys)
					return dst, err
				}
			}
			dst = append(dst, ']')
		}
		putKeys(keys)
		dst = append(dst, '}')
	}

	dst = append(dst, `,"metrics":`...)
	if e.Metrics == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range e.Metrics {
			if i > 0 {
				dst = append(dst, ',')
			}
			m := &e.Metrics[i]
			a := &m.Attributes
			if dst, err = appendMetric(dst, m.Name, m.Timestamp, m.Value, a.Hostname, a.Type, a.Tags, true); err != nil {
				return dst, fmt.Errorf("metric %q: value%w", m.Name, err)
			}
		}
		dst = append(dst, ']')
	}

	dst = append(dst, `,"service_checks":`...)
	if e.ServiceChecks == nil {
		dst = append(dst, "null"...)
	} else if dst, err = appendValue(dst, e.ServiceChecks, 1); err != nil {
		return dst, fmt.Errorf("service_checks%w", err)
	}

	dst = append(dst, `,"health":`...)
	if e.Health == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range e.Health {
			if i > 0 {
				dst = append(dst, ',')
			}
			h := &e.Health[i]
			dst = appendHealthHead(dst, h.ConsistencyModel, h.Stream.URN, h.StartSnapshot, h.StopSnapshot != nil)
			if h.CheckStates == nil {
				dst = append(dst, "null}"...)
				continue
			}
			dst = append(dst, '[')
			for j := range h.CheckStates {
				if j > 0 {
					dst = append(dst, ',')
				}
				s := &h.CheckStates[j]
				dst = appendCheckState(dst, s.CheckStateID, s.Name, s.Health, s.TopologyElementIdentifier, s.Message)
			}
			dst = append(dst, "]}"...)
		}
		dst = append(dst, ']')
	}

	dst = append(dst, `,"topologies":`...)
	if e.Topologies == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range e.Topologies {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendWireTopology(dst, &e.Topologies[i]); err != nil {
				return dst, err
			}
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

// appendWireTopology appends the topology t to dst.
func appendWireTopology(dst []byte, t *Topology) ([]byte, error) {
	dst = appendTopologyHead(dst, t.StartSnapshot, t.StopSnapshot, t.Instance.Type, t.Instance.URL)
	dst = appendStrings(dst, t.DeleteIDs, true)
	dst = append(dst, `,"components":`...)
	var err error
	if t.Components == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range t.Components {
			if i > 0 {
				dst = append(dst, ',')
			}
			c := &t.Components[i]
			dst = appendComponentHead(dst, c.ExternalID, c.Type.Name)
			if dst, err = appendMapOrNull(dst, c.Data); err != nil {
				return dst, fmt.Errorf("component %q: data%w", c.ExternalID, err)
			}
			if c.SourceProperties != nil {
				dst = append(dst, `,"sourceProperties":`...)
				if dst, err = appendMap(dst, c.SourceProperties, 1); err != nil {
					return dst, fmt.Errorf("component %q: sourceProperties%w", c.ExternalID, err)
				}
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"relations":`...)
	if t.Relations == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range t.Relations {
			if i > 0 {
				dst = append(dst, ',')
			}
			r := &t.Relations[i]
			dst = appendRelationHead(dst, r.ExternalID, r.Type.Name, r.SourceID, r.TargetID)
			if dst, err = appendMapOrNull(dst, r.Data); err != nil {
				return dst, fmt.Errorf("relation %q: data%w", r.ExternalID, err)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

// appendWireEvent appends the event ev to dst.
func appendWireEvent(dst []byte, ev *Event) ([]byte, error) {
	dst = appendEventHead(dst, ev.Title, ev.Text, ev.Timestamp, ev.EventType, ev.SourceTypeName, ev.Tags, true, ev.Host)
	c := ev.Context
	if c == nil {
		return append(dst, '}'), nil
	}
	dst = appendContextHead(dst, c.Category, c.Source, c.ElementIdentifiers, true)
	dst = append(dst, `,"source_links":`...)
	if c.SourceLinks == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range c.SourceLinks {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendLink(dst, c.SourceLinks[i].Title, c.SourceLinks[i].URL)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"data":`...)
	dst, err := appendMapOrNull(dst, c.Data)
	if err != nil {
		return dst, fmt.Errorf("event %q: context.data%w", ev.Title, err)
	}
	return append(dst, "}}"...), nil
}

// appendEnvelopeHead appends an envelope's fields up to the value of its
// events.
func appendEnvelopeHead(dst []byte, timestamp int64, hostname string) []byte {
	dst = append(dst, `{"collection_timestamp":`...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, `,"internalHostname":`...)
	dst = appendString(dst, hostname)
	return append(dst, `,"events":`...)
}

// appendComponentHead appends a component's fields up to the value of its
// data.
func appendComponentHead(dst []byte, id, typ string) []byte {
	dst = append(dst, `{"externalId":`...)
	dst = appendString(dst, id)
	dst = append(dst, `,"type":{"name":`...)
	dst = appendString(dst, typ)
	return append(dst, `},"data":`...)
}

// appendRelationHead appends a relation's fields up to the value of its
// data.
func appendRelationHead(dst []byte, id, typ, source, target string) []byte {
	dst = append(dst, `{"externalId":`...)
	dst = appendString(dst, id)
	dst = append(dst, `,"type":{"name":`...)
	dst = appendString(dst, typ)
	dst = append(dst, `},"sourceId":`...)
	dst = appendString(dst, source)
	dst = append(dst, `,"targetId":`...)
	dst = appendString(dst, target)
	return append(dst, `,"data":`...)
}

// appendCheckState appends a check state, leaving out an empty message.
func appendCheckState(dst []byte, id, name, health, identifier, message string) []byte {
	dst = append(dst, `{"checkStateId":`...)
	dst = appendString(dst, id)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, name)
	dst = append(dst, `,"health":`...)
	dst = appendString(dst, health)
	dst = append(dst, `,"topologyElementIdentifier":`...)
	dst = appendString(dst, identifier)
	if message != "" {
		dst = append(dst, `,"message":`...)
		dst = appendString(dst, message)
	}
	return append(dst, '}')
}

// appendMetric appends a metric's 4-element array. Nil tags are null when
// nullable, as encoding/json writes a nil slice, and [] otherwise, as
// Build copies them. On failure it returns dst as it was.
func appendMetric(dst []byte, name string, timestamp int64, value any, host, typ string, tags []string, nullable bool) ([]byte, error) {
	n := len(dst)
	dst = append(dst, '[')
	dst = appendString(dst, name)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, ',')
	dst, err := appendValue(dst, value, 1)
	if err != nil {
		return dst[:n], err
	}
	dst = append(dst, `,{"hostname":`...)
	dst = appendString(dst, host)
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, typ)
	dst = append(dst, `,"tags":`...)
	dst = appendStrings(dst, tags, nullable)
	return append(dst, "}]"...), nil
}

// appendEventHead appends an event's fields up to, not including, its
// context and closing brace; an empty host is left out.
func appendEventHead(dst []byte, title, text string, timestamp int64, typ, source string, tags []string, nullable bool, host string) []byte {
	dst = append(dst, `{"msg_title":`...)
	dst = appendString(dst, title)
	dst = append(dst, `,"msg_text":`...)
	dst = appendString(dst, text)
	dst = append(dst, `,"timestamp":`...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, `,"event_type":`...)
	dst = appendString(dst, typ)
	dst = append(dst, `,"source_type_name":`...)
	dst = appendString(dst, source)
	dst = append(dst, `,"tags":`...)
	dst = appendStrings(dst, tags, nullable)
	if host != "" {
		dst = append(dst, `,"host":`...)
		dst = appendString(dst, host)
	}
	return dst
}

// appendContextHead appends an event's context key and the context's
// fields up to its source_links.
func appendContextHead(dst []byte, category, source string, identifiers []string, nullable bool) []byte {
	dst = append(dst, `,"context":{"category":`...)
	dst = appendString(dst, category)
	dst = append(dst, `,"source":`...)
	dst = appendString(dst, source)
	dst = append(dst, `,"element_identifiers":`...)
	return appendStrings(dst, identifiers, nullable)
}

// appendLink appends a link of a topology event.
func appendLink(dst []byte, title, url string) []byte {
	dst = append(dst, `{"title":`...)
	dst = appendString(dst, title)
	dst = append(dst, `,"url":`...)
	dst = appendString(dst, url)
	return append(dst, '}')
}

// appendHealthHead appends a health part's fields up to the value of its
// check_states.
func appendHealthHead(dst []byte, consistency, urn string, start *StartSnapshot, stop bool) []byte {
	dst = append(dst, `{"consistency_model":`...)
	dst = appendString(dst, consistency)
	dst = append(dst, `,"stream":{"urn":`...)
	dst = appendString(dst, urn)
	dst = append(dst, '}')
	if start != nil {
		dst = append(dst, `,"start_snapshot":{"repeat_interval_s":`...)
		dst = strconv.AppendInt(dst, start.RepeatIntervalS, 10)
		dst = append(dst, '}')
	}
	if stop {
		dst = append(dst, `,"stop_snapshot":{}`...)
	}
	return append(dst, `,"check_states":`...)
}

// appendTopologyHead appends a topology part's fields up to the value of
// its delete_ids.
func appendTopologyHead(dst []byte, start, stop bool, typ, url string) []byte {
	dst = append(dst, `{"start_snapshot":`...)
	dst = strconv.AppendBool(dst, start)
	dst = append(dst, `,"stop_snapshot":`...)
	dst = strconv.AppendBool(dst, stop)
	dst = append(dst, `,"instance":{"type":`...)
	dst = appendString(dst, typ)
	dst = append(dst, `,"url":`...)
	dst = appendString(dst, url)
	return append(dst, `},"delete_ids":`...)
}

// appendStrings appends s as an array of strings; a nil s is null when
// nullable and [] otherwise.
func appendStrings(dst []byte, s []string, nullable bool) []byte {
	if s == nil && nullable {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, v)
	}
	return append(dst, ']')
}

// setField is a field of an element written over the element's data.
type setField struct {
	key   string
	str   string
	strs  []string
	isArr bool
}

// addString adds the field key with the string v unless v is empty, as
// setString does.
func addString(fields []setField, key, v string) []setField {
	if v == "" {
		return fields
	}
	return append(fields, setField{key: key, str: v})
}

// addStrings adds the field key with the strings v unless v is empty, as
// setStrings does.
func addStrings(fields []setField, key string, v []string) []setField {
	if len(v) == 0 {
		return fields
	}
	return append(fields, setField{key: key, strs: v, isArr: true})
}

// appendMerged appends the object of data with fields written over it: the
// keys of both in sorted order, a field replacing the data value of the
// same key. fields must be sorted by key. A nil data is an empty object.
func appendMerged(dst []byte, data map[string]any, fields []setField) ([]byte, error) {
	dst = append(dst, '{')
	if len(data) == 0 {
		for i := range fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendField(dst, &fields[i])
		}
		return append(dst, '}'), nil
	}
	keys := sortedKeys(data)
	defer putKeys(keys)
	i, j := 0, 0
	for first := true; i < len(*keys) || j < len(fields); first = false {
		if !first {
			dst = append(dst, ',')
		}
		if j < len(fields) && (i == len(*keys) || fields[j].key <= (*keys)[i]) {
			if i < len(*keys) && fields[j].key == (*keys)[i] {
				i++ // the field wins over the data value
			}
			dst = appendField(dst, &fields[j])
			j++
			continue
		}
		k := (*keys)[i]
		i++
		dst = appendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, data[k], 2); err != nil {
			return dst, atKey(err, k)
		}
	}
	return append(dst, '}'), nil
}

// appendField appends the member of a set field.
func appendField(dst []byte, f *setField) []byte {
	dst = appendString(dst, f.key)
	dst = append(dst, ':')
	if f.isArr {
		return appendStrings(dst, f.strs, false)
	}
	return appendString(dst, f.str)
}

// maxDepth is how deep appendValue nests before it hands a value to
// encoding/json, which detects cycles.
const maxDepth = 500

// appendValue appends the JSON of v to dst exactly as encoding/json with
// HTML escaping off would: nil, bool, the integer and float types,
// *big.Int, string, []any, []string and map[string]any directly, anything
// else through encoding/json. depth is the nesting level of v. On failure
// it returns dst as it was and a *valueError.
func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case float64:
		return appendFloat(dst, v, 64)
	case float32:
		return appendFloat(dst, float64(v), 32)
	case *big.Int:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return v.Append(dst, 10), nil
	case []string:
		return appendStrings(dst, v, true), nil
	case []any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		if depth > maxDepth {
			return appendFallback(dst, v)
		}
		n := len(dst)
		dst = append(dst, '[')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, x, depth+1); err != nil {
				return dst[:n], atIndex(err, i)
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return appendMap(dst, v, depth)
	}
	return appendFallback(dst, v)
}

// appendMapOrNull appends m as an object, or null when m is nil.
func appendMapOrNull(dst []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	return appendMap(dst, m, 1)
}

// appendMap appends m, which is not nil, as an object with sorted keys.
func appendMap(dst []byte, m map[string]any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return appendFallback(dst, m)
	}
	if len(m) == 0 {
		return append(dst, "{}"...), nil
	}
	keys := sortedKeys(m)
	defer putKeys(keys)
	n := len(dst)
	dst = append(dst, '{')
	for i, k := range *keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, m[k], depth+1); err != nil {
			return dst[:n], atKey(err, k)
		}
	}
	return append(dst, '}'), nil
}

// appendFallback appends v as encoding/json encodes it with HTML escaping
// off.
func appendFallback(dst []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, &valueError{err: err}
	}
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// appendFloat appends f as encoding/json writes a float of the given bit
// size: like ECMAScript's Number to String, in plain decimals unless it is
// below 1e-6 or at least 1e21 in magnitude, then with an exponent that has
// no leading zero. NaN and the infinities have no JSON form and fail.
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, &valueError{err: fmt.Errorf("unsupported value %s", strconv.FormatFloat(f, 'g', -1, bits))}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		var tiny, huge bool
		if bits == 32 {
			tiny, huge = float32(abs) < 1e-6, float32(abs) >= 1e21
		} else {
			tiny, huge = abs < 1e-6, abs >= 1e21
		}
		if tiny || huge {
			format = 'e'
		}
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format != 'e' {
		return dst, nil
	}
	// strconv pads the exponent to two digits (1e-07); drop the padding
	// of a negative one-digit exponent (1e-7). A positive exponent here
	// is at least 21, so it never has any.
	num := dst[start:]
	if n := len(num); n >= 4 && num[n-4] == 'e' && num[n-3] == '-' && num[n-2] == '0' {
		num[n-2] = num[n-1]
		dst = dst[:len(dst)-1]
	}
	return dst, nil
}

// hexDigits are the digits of \u escapes.
const hexDigits = "0123456789abcdef"

// plainASCII reports, for every ASCII byte, whether it stands for itself in
// a JSON string: everything but the control characters, '"' and '\'.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string exactly as encoding/json writes
// it with HTML escaping off: '"' and '\' escaped, control characters as
// \b, \f, \n, \r, \t or \u00XX, U+2028 and U+2029 as \u2028 and \u2029,
// and every byte that is not part of valid UTF-8 as \ufffd.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	done := 0 // s[:done] is in dst
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[done:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, `\b`...)
			case '\f':
				dst = append(dst, `\f`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			done = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[done:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[done:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	dst = append(dst, s[done:]...)
	return append(dst, '"')
}

// keyPool holds the slices sortedKeys sorts map keys in.
var keyPool = sync.Pool{New: func() any { return new([]string) }}

// getKeys returns an empty key slice from the pool.
func getKeys() *[]string {
	keys := keyPool.Get().(*[]string)
	*keys = (*keys)[:0]
	return keys
}

// putKeys returns keys to the pool, unless they grew too large to keep.
func putKeys(keys *[]string) {
	if cap(*keys) > 1<<12 {
		return
	}
	clear(*keys)
	keyPool.Put(keys)
}

// sortedKeys returns the keys of m in sorted order, in a slice of the pool
// that the caller puts back.
func sortedKeys(m map[string]any) *[]string {
	keys := getKeys()
	for k := range m {
		*keys = append(*keys, k)
	}
	slices.Sort(*keys)
	return keys
}

// valueError reports a value encoding/json cannot encode, with the path to
// it below the value given to the encoder, such as .owner.ports[2].
type valueError struct {
	path string
	err  error
}

// Error returns the path and the reason, such as ".ratio: unsupported value
// NaN".
func (e *valueError) Error() string {
	return e.path + ": " + e.err.Error()
}

// Unwrap returns the reason.
func (e *valueError) Unwrap() error { return e.err }

// atKey returns err, a *valueError, with its path starting at the object
// member key.
func atKey(err error, key string) error {
	var ve *valueError
	if errors.As(err, &ve) {
		ve.path = "." + key + ve.path
	}
	return err
}

// atIndex returns err, a *valueError, with its path starting at the array
// element i.
func atIndex(err error, i int) error {
	var ve *valueError
	if errors.As(err, &ve) {
		ve.path = "[" + strconv.Itoa(i) + "]" + ve.path
	}
	return err
}
