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
		v, ok = d.objectKeys(keys)
		ok = ok && skipJSONSpace(data, d.pos) == len(data)
	}
	d.release()
	if !ok {
		return DecodeJSON(data)
	}
	return v, nil
}

// objectKeys parses the object at d.pos, at the top level, keeping the
// members whose keys are in keys.
func (d *jsonDecoder) objectKeys(keys map[string]bool) (any, bool) {
	data := d.data
	d.pos = skipJSONSpace(data, d.pos+1)
	m := make(map[string]any, len(keys))
	if d.pos < len(data) && data[d.pos] == '}' {
		d.pos++
		return m, true
	}
	for {
		if d.pos >= len(data) || data[d.pos] != '"' {
			return nil, false
		}
		start := d.pos + 1
		end, flags := scanString(data, start)
		if end < 0 {
			return nil, false
		}
		var key string
		if cacheable(data[start:end], flags) {
			key = d.lookup(data[start:end]).s
		} else {
			key = stringOf(data[start:end], flags)
		}
		d.pos = skipJSONSpace(data, end+1)
		if d.pos >= len(data) || data[d.pos] != ':' {
			return nil, false
		}
		d.pos = skipJSONSpace(data, d.pos+1)
		if keys[key] {
			v, ok := d.value(1)
			if !ok {
				return nil, false
			}
			m[key] = v // the last of duplicate keys wins, as in DecodeJSON
		} else {
			s := jsonScanner{data: data, pos: d.pos}
			if !s.skipValue(1) {
				return nil, false
			}
			d.pos = s.pos
		}
		d.pos = skipJSONSpace(data, d.pos)
		if d.pos >= len(data) {
			return nil, false
		}
		c := data[d.pos]
		d.pos++
		if c == '}' {
			return m, true
		}
		if c != ',' {
			return nil, false
		}
		d.pos = skipJSONSpace(data, d.pos)
	}
}
