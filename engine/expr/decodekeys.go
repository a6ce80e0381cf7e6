package expr

// Keys is a set of object keys for DecodeKeys, made once and used for many
// documents: a decoder remembers, for the keys it meets often, whether a
// set holds them.
type Keys struct {
	set map[string]bool
}

// NewKeys returns the set of keys.
func NewKeys(keys ...string) *Keys {
	k := &Keys{set: make(map[string]bool, len(keys))}
	for _, key := range keys {
		k.set[key] = true
	}
	return k
}

// DecodeKeys decodes one JSON document like DecodeJSON, except that of an
// object document it keeps only the members whose keys are in keys, and
// skips the others without decoding them. Together with
// Program.InputKeys it lets a rule decode only what it reads of a record.
// A document that is not an object is decoded whole; invalid JSON fails
// with DecodeJSON's error.
//
// into, when not nil, must be an empty map; an object document's members
// go into it, and it is returned, so that a caller that is done with one
// record can clear the map and decode the next into it without making
// another.
func DecodeKeys(data []byte, keys *Keys, into map[string]any) (any, error) {
	d := decoderPool.Get().(*jsonDecoder)
	d.data, d.pos = data, skipJSONSpace(data, 0)
	var v any
	ok := d.pos < len(data) && data[d.pos] == '{'
	if ok {
		d.into = into
		v, ok = d.object(1, keys)
		ok = ok && skipJSONSpace(data, d.pos) == len(data)
	}
	d.release()
	if !ok {
		return DecodeJSON(data)
	}
	return v, nil
}
