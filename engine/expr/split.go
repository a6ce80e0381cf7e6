package expr

import "unicode/utf8"

// ValidJSON reports whether DecodeJSON(data) would succeed: whether data
// is one JSON value with only JSON whitespace around it, as encoding/json
// accepts it (invalid UTF-8 in strings included, nesting no deeper than
// encoding/json's limit). It allocates nothing.
func ValidJSON(data []byte) bool {
	s := jsonScanner{data: data}
	s.pos = skipJSONSpace(data, 0)
	if !s.skipValue(0) {
		return false
	}
	return skipJSONSpace(data, s.pos) == len(data)
}

// SplitJSON returns the raw bytes of the records jq's `.k1.k2...[]` yields
// on the document data, for the path of object keys k1, k2, ...: the
// elements of the array at that path, in order, as sub-slices of data
// (capped, so appending to one does not overwrite data). An empty path
// means `.[]` on the root. DecodeJSON of each record is the value jq
// yields for it.
//
// ok is false, and the caller must run jq on DecodeJSON(data) instead,
// whenever the split could differ from that: data is not valid JSON, the
// root or a value along the path is not an object, a key is missing, or
// the value at the path is not an array. Of duplicate keys along the path
// the last counts, as encoding/json keeps the last.
func SplitJSON(data []byte, path []string) (records [][]byte, ok bool) {
	s := jsonSplitter{jsonScanner: jsonScanner{data: data}}
	s.pos = skipJSONSpace(data, 0)
	found, valid := s.walk(0, path)
	if !valid || !found || skipJSONSpace(data, s.pos) != len(data) {
		return nil, false
	}
	if s.records == nil {
		s.records = [][]byte{}
	}
	return s.records, true
}

// jsonScanner checks JSON values without decoding them.
type jsonScanner struct {
	data []byte
	pos  int
}

// skipValue skips the value at s.pos, which is not whitespace, inside depth
// levels of arrays and objects, and reports whether it is valid JSON.
func (s *jsonScanner) skipValue(depth int) bool {
	data := s.data
	if s.pos >= len(data) {
		return false
	}
	switch data[s.pos] {
	case '"':
		end, _ := scanString(data, s.pos+1)
		if end < 0 {
			return false
		}
		s.pos = end + 1
		return true
	case '{':
		return s.skipObject(depth + 1)
	case '[':
		return s.skipArray(depth + 1)
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	end, _ := scanNumber(data, s.pos)
	if end < 0 {
		return false
	}
	s.pos = end
	return true
}

func (s *jsonScanner) literal(lit string) bool {
	if !hasJSONLiteral(s.data, s.pos, lit) {
		return false
	}
	s.pos += len(lit)
	return true
}

// open steps into the object or array at s.pos, at nesting level depth,
// that close ends. It reports whether the container is empty, and then
// steps past it too; it fails when the container nests too deep.
func (s *jsonScanner) open(close byte, depth int) (empty, ok bool) {
	if depth > jsonMaxDepth {
		return false, false
	}
	s.pos = skipJSONSpace(s.data, s.pos+1)
	if s.pos < len(s.data) && s.data[s.pos] == close {
		s.pos++
		return true, true
	}
	return false, true
}

// skipObject skips the object at s.pos, which is at nesting level depth.
func (s *jsonScanner) skipObject(depth int) bool {
	if empty, ok := s.open('}', depth); empty || !ok {
		return ok
	}
	for {
		if !s.key() || !s.skipValue(depth) {
			return false
		}
		more, ok := s.next('}')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// skipArray skips the array at s.pos, which is at nesting level depth.
func (s *jsonScanner) skipArray(depth int) bool {
	if empty, ok := s.open(']', depth); empty || !ok {
		return ok
	}
	for {
		if !s.skipValue(depth) {
			return false
		}
		more, ok := s.next(']')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// key skips an object key at s.pos and the colon after it, and the
// whitespace around them.
func (s *jsonScanner) key() bool {
	_, _, ok := s.keyBytes()
	return ok
}

// keyBytes is key returning the raw content of the key, between its
// swarQuotes, and the flags scanString found for it.
func (s *jsonScanner) keyBytes() (raw []byte, flags int, ok bool) {
	data := s.data
	if s.pos >= len(data) || data[s.pos] != '"' {
		return nil, 0, false
	}
	start := s.pos + 1
	end, flags := scanString(data, start)
	if end < 0 {
		return nil, 0, false
	}
	s.pos = skipJSONSpace(data, end+1)
	if s.pos >= len(data) || data[s.pos] != ':' {
		return nil, 0, false
	}
	s.pos = skipJSONSpace(data, s.pos+1)
	return data[start:end], flags, true
}

// next skips the whitespace after a jsonMember or element, and a comma and the
// whitespace after it, or the closing bracket close. It reports whether
// another jsonMember or element follows.
func (s *jsonScanner) next(close byte) (more, ok bool) {
	data := s.data
	s.pos = skipJSONSpace(data, s.pos)
	if s.pos >= len(data) {
		return false, false
	}
	c := data[s.pos]
	s.pos++
	switch c {
	case ',':
		s.pos = skipJSONSpace(data, s.pos)
		return true, true
	case close:
		return false, true
	}
	return false, false
}

// jsonSplitter is a jsonScanner that collects the elements of the array at
// a path.
type jsonSplitter struct {
	jsonScanner
	records [][]byte
}

// walk skips the value at s.pos, inside depth levels of arrays and
// objects, and reports whether it is valid JSON and whether it has an array
// at path, whose elements it leaves in s.records.
func (s *jsonSplitter) walk(depth int, path []string) (found, valid bool) {
	data := s.data
	if s.pos >= len(data) {
		return false, false
	}
	switch {
	case len(path) == 0 && data[s.pos] == '[':
		return true, s.elements(depth + 1)
	case len(path) > 0 && data[s.pos] == '{':
		return s.members(depth+1, path)
	}
	return false, s.skipValue(depth)
}

// elements skips the array at s.pos, at nesting level depth, and collects
// its elements.
func (s *jsonSplitter) elements(depth int) bool {
	if depth > jsonMaxDepth {
		return false
	}
	data := s.data
	s.pos = skipJSONSpace(data, s.pos+1)
	if s.pos < len(data) && data[s.pos] == ']' {
		s.pos++
		return true
	}
	first := s.pos
	for {
		start := s.pos
		if !s.skipValue(depth) {
			return false
		}
		if len(s.records) == 64 && cap(s.records) < 1024 {
			// Guess the number of records from the size of the first
			// ones, so that a large export does not grow the list (and
			// touch fresh memory) a dozen times; the guess costs at
			// most half the document's size.
			guess := int(float64(len(data)-first) / float64(s.pos-first) * 65 * 1.05)
			guess = min(guess, (len(data)-first)/48)
			if guess > cap(s.records) {
				s.records = append(make([][]byte, 0, guess), s.records...)
			}
		}
		s.records = append(s.records, data[start:s.pos:s.pos])
		more, ok := s.next(']')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// members skips the object at s.pos, at nesting level depth, and walks the
// value of its last jsonMember named path[0] on with the rest of path.
func (s *jsonSplitter) members(depth int, path []string) (found, valid bool) {
	if depth > jsonMaxDepth {
		return false, false
	}
	data := s.data
	s.pos = skipJSONSpace(data, s.pos+1)
	if s.pos < len(data) && data[s.pos] == '}' {
		s.pos++
		return false, true
	}
	for {
		raw, flags, ok := s.keyBytes()
		if !ok {
			return false, false
		}
		if keyIs(raw, flags, path[0]) {
			// A later duplicate overrides what an earlier one found.
			s.records = s.records[:0]
			found, ok = s.walk(depth, path[1:])
		} else {
			ok = s.skipValue(depth)
		}
		if !ok {
			return false, false
		}
		more, ok := s.next('}')
		if !ok {
			return false, false
		}
		if !more {
			return found, true
		}
	}
}

// keyIs reports whether the JSON string with content raw and flags from
// scanString decodes to key.
func keyIs(raw []byte, flags int, key string) bool {
	if flags == 0 || flags == strHigh && utf8.Valid(raw) {
		return string(raw) == key
	}
	return unquoteJSON(raw) == key
}
