package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Metric is one metric point. On the wire it is the 4-element array
// [name, timestamp, value, attributes].
type Metric struct {
	Name string
	// Timestamp is in epoch seconds.
	Timestamp int64
	// Value is an int or a float64; ints are encoded without a fraction.
	Value      any
	Attributes MetricAttributes
}

// MetricAttributes is the last element of a metric's wire form.
type MetricAttributes struct {
	Hostname string   `json:"hostname"`
	Type     string   `json:"type"`
	Tags     []string `json:"tags"`
}

// MarshalJSON encodes the metric as its 4-element array, without HTML
// escaping.
func (m Metric) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode([]any{m.Name, m.Timestamp, m.Value, m.Attributes}); err != nil {
		return nil, fmt.Errorf("encode metric %q: %w", m.Name, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON decodes the 4-element array form. A value without a fraction
// or exponent that fits an int decodes as an int, any other as a float64.
func (m *Metric) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("decode metric: %w", err)
	}
	if len(parts) != 4 {
		return fmt.Errorf("decode metric: want 4 elements, got %d", len(parts))
	}
	var out Metric
	if err := json.Unmarshal(parts[0], &out.Name); err != nil {
		return fmt.Errorf("decode metric name: %w", err)
	}
	if err := json.Unmarshal(parts[1], &out.Timestamp); err != nil {
		return fmt.Errorf("decode metric %q timestamp: %w", out.Name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(parts[2]))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("decode metric %q value: %w", out.Name, err)
	}
	num, ok := v.(json.Number)
	if !ok {
		return fmt.Errorf("decode metric %q value: %s is not a number", out.Name, parts[2])
	}
	if i, err := num.Int64(); err == nil && int64(int(i)) == i {
		out.Value = int(i)
	} else {
		f, err := num.Float64()
		if err != nil {
			return fmt.Errorf("decode metric %q value: %w", out.Name, err)
		}
		out.Value = f
	}
	if err := json.Unmarshal(parts[3], &out.Attributes); err != nil {
		return fmt.Errorf("decode metric %q attributes: %w", out.Name, err)
	}
	*m = out
	return nil
}
