package expr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"time"
)

// Normalize converts v into the plain JSON values gojq works on: nil, bool,
// int, float64, *big.Int, string, []any and map[string]any. Other integer
// and float types become int or float64, json.Number the narrowest of
// those, times RFC 3339 strings, byte slices strings, and maps with
// non-string keys maps keyed by the keys' text.
func Normalize(v any) any {
	switch v := v.(type) {
	case nil, bool, string, int, float64, *big.Int:
		return v
	case map[string]any:
		for k, x := range v {
			v[k] = Normalize(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = Normalize(x)
		}
		return v
	case int64:
		return int(v)
	case int32:
		return int(v)
	case int16:
		return int(v)
	case int8:
		return int(v)
	case uint8:
		return int(v)
	case uint16:
		return int(v)
	case uint32:
		return int(v)
	case uint:
		if v > math.MaxInt {
			return new(big.Int).SetUint64(uint64(v))
		}
		return int(v)
	case uint64:
		if v > math.MaxInt {
			return new(big.Int).SetUint64(v)
		}
		return int(v)
	case float32:
		return float64(v)
	case json.Number:
		return Number(string(v))
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case []byte:
		return string(v)
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[fmt.Sprint(k)] = Normalize(x)
		}
		return m
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		l := make([]any, rv.Len())
		for i := range l {
			l[i] = Normalize(rv.Index(i).Interface())
		}
		return l
	case reflect.Map:
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[fmt.Sprint(it.Key().Interface())] = Normalize(it.Value().Interface())
		}
		return m
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return Normalize(rv.Elem().Interface())
	}
	return fmt.Sprint(v)
}

// Number converts the text of a JSON number to int when it is a whole
// number that fits, to *big.Int when it is a larger whole number, and to
// float64 otherwise.
func Number(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil && i >= math.MinInt && i <= math.MaxInt {
		return int(i)
	}
	if b, ok := new(big.Int).SetString(s, 10); ok {
		return b
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// decodeJSONStd decodes one JSON document into plain JSON values with
// encoding/json. It is the reference DecodeJSON must agree with, and it
// words DecodeJSON's errors.
func decodeJSONStd(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value; is it NDJSON?")
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(data[off:])) > 0 {
		// More reports false for a stray ] or }.
		rest := bytes.TrimSpace(data[off:])
		return nil, fmt.Errorf("unexpected %q after the JSON value at byte %d", rest[:min(len(rest), 20)], off)
	}
	return Normalize(v), nil
}

// marshal encodes v as JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Marshal encodes v as compact JSON without HTML escaping.
func Marshal(v any) ([]byte, error) { return marshal(v) }

// Clone returns a copy of a plain JSON value that shares no map or slice
// with it; strings, numbers and the like are shared, as they never change.
func Clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = Clone(x)
		}
		return m
	case []any:
		if v == nil {
			return v
		}
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = Clone(x)
		}
		return l
	}
	return v
}
