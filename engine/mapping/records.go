package mapping

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/stackmap/stackmap/engine/expr"
)

// records are the records of one source, in order. A record a source gave
// as JSON text that a plain path split off stays raw until a rule reads it,
// so that a large export is held once, as text, and decoded one record at
// a time on every core; other records are values. The list jq sees as the
// source's variable is decoded only when something other than an each of
// the form $source[] mentions the source.
type records struct {
	raw  [][]byte // raw[i] != nil: record i is JSON text
	vals []any    // record i when raw[i] is nil
	docs []int    // for each document, the number of records up to its end

	once sync.Once
	list []any // every record decoded, once made
	err  error
}

// len is the number of records.
func (rs *records) len() int {
	if rs.list != nil {
		return len(rs.list)
	}
	return len(rs.raw)
}

// at returns record i, decoding it if it is raw.
func (rs *records) at(i int) (any, error) {
	if rs.list != nil {
		return rs.list[i], nil
	}
	if b := rs.raw[i]; b != nil {
		return expr.DecodeJSON(b)
	}
	return rs.vals[i], nil // raw[i] is nil, so vals holds record i
}

// atKeys returns record i like at, but decodes of a raw record only the
// members keys names, when keys is set; partial tells that it did. An
// object record cut down to keys goes into into when that is not nil (see
// expr.DecodeKeys).
func (rs *records) atKeys(i int, keys *expr.Keys, into map[string]any) (v any, partial bool, err error) {
	if keys == nil || rs.list != nil || rs.raw[i] == nil {
		v, err = rs.at(i)
		return v, false, err
	}
	v, err = expr.DecodeKeys(rs.raw[i], keys, into)
	return v, true, err
}

// addValues adds the records of one document, as values.
func (rs *records) addValues(vals []any) {
	if len(rs.vals) < len(rs.raw) { // so far raw only: vals was not needed
		rs.vals = append(rs.vals, make([]any, len(rs.raw)-len(rs.vals))...)
	}
	rs.raw = append(rs.raw, make([][]byte, len(vals))...)
	rs.vals = append(rs.vals, vals...)
	rs.docs = append(rs.docs, len(rs.raw))
}

// addRaw adds the records of one document, as JSON text.
func (rs *records) addRaw(raw [][]byte) {
	if rs.raw == nil {
		rs.raw = raw // the common case: one document
	} else {
		rs.raw = append(rs.raw, raw...)
	}
	if rs.vals != nil {
		rs.vals = append(rs.vals, make([]any, len(raw))...)
	}
	rs.docs = append(rs.docs, len(rs.raw))
}

// decoded returns every record as a value, decoding raw ones on every
// core the first time.
func (rs *records) decoded(ctx context.Context, workers int) ([]any, error) {
	rs.once.Do(func() {
		list := make([]any, len(rs.raw))
		rs.err = forChunks(ctx, len(list), workers, func(lo, hi int) error {
			for i := lo; i < hi; i++ {
				v, err := rs.at(i)
				if err != nil {
					return fmt.Errorf("record %d: %w", i+1, err)
				}
				list[i] = v
			}
			return nil
		})
		if rs.err == nil {
			rs.list = list
			rs.raw, rs.vals = nil, nil // the list holds them now
		}
	})
	return rs.list, rs.err
}

// drop gives the text of records lo to hi (inclusive) back to the
// system, document by document: each span lies inside the buffer of one
// document, which holds its records in order, so no other text is hit.
func (rs *records) drop(a *arena, lo, hi int) {
	start := 0
	for _, end := range rs.docs {
		if first, last := max(lo, start), min(hi, end-1); first <= last && rs.raw[first] != nil && rs.raw[last] != nil {
			a.drop(rs.raw[first], rs.raw[last])
		}
		if end > hi {
			return
		}
		start = end
	}
}

// document returns the number, from 1, of the document record i came from.
func (rs *records) document(i int) int {
	return sort.SearchInts(rs.docs, i+1) + 1
}

// split returns the records of a JSON document as text, when the source's
// records expression is one Split can take and data is valid JSON; else
// false, and the caller decodes the document and runs the expression.
func (s *sourcePlan) split(data []byte) ([][]byte, bool) {
	switch {
	case s.splitPath:
		return expr.SplitJSON(data, s.path) // it checks the whole document
	case s.splitDefault:
		t := bytes.TrimSpace(data)
		if len(t) > 0 && t[0] == '[' {
			return expr.SplitJSON(t, nil)
		}
		if !expr.ValidJSON(t) {
			return nil, false
		}
		return [][]byte{t}, true // if type == "array" then .[] else . end
	}
	return nil, false
}

// origins maps each decoded object record of the run's sources to where
// it came from, for explain.
func (r *run) recordOrigins(s *sourcePlan, rs *records, list []any) {
	for i, rec := range list {
		if m, ok := rec.(map[string]any); ok {
			r.origins[reflect.ValueOf(m).Pointer()] = &Origin{Source: s.name, Kind: s.kind, Document: rs.document(i), Record: i + 1}
		}
	}
}
