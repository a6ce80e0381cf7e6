package expr

// DecodeKeys decodes one JSON document like DecodeJSON, except that of an
// object document it keeps only the members whose keys are in keys, and
// skips the others without decoding them. Together with
// Program.InputKeys it lets a rule decode only what it reads of a record.
// A document that is not an object is decoded whole; invalid JSON fails
// with DecodeJSON's error.
func DecodeKeys(data []byte, keys map[string]bool) (any, error) {
	d := decoderPool.Get().(*jsonDecoder)
	d.data, d.pos = data, skipJSONSpace(data, 0)
	var v any
	ok := d.pos < len(data) && data[d.pos] == '{'
	if ok {
		v, ok = d.object(1, keys)
		ok = ok && skipJSONSpace(data, d.pos) == len(data)
	}
	d.release()
	if !ok {
		return DecodeJSON(data)
	}
	return v, nil
}
