package expr

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonMaxDepth is the deepest nesting of arrays and objects encoding/json
// accepts; a document nested deeper is a syntax error there.
const jsonMaxDepth = 10000

// jsonCacheBits is the log2 of the number of slots of a decoder's string
// cache.
const jsonCacheBits = 10

// jsonMaxCached is the longest string the string cache holds.
const jsonMaxCached = 64

// jsonMaxScratch caps the scratch stacks a pooled decoder keeps, so that
// one huge document does not pin its memory for good.
const jsonMaxScratch = 1 << 16

// jsonDecoder is a recursive-descent JSON parser that builds plain JSON
// values. It accepts exactly what encoding/json accepts and returns what
// decodeJSONStd returns; it reports only whether it succeeded, and the
// caller asks decodeJSONStd for the error text of input it rejects.
type jsonDecoder struct {
	jsonScanner // the text, and where the parser is in it
	// members and elems are stacks of the members of the objects and the
	// elements of the arrays being parsed, so that each map and slice is
	// made once with its final size.
	members []jsonMember
	elems   []any
	// cache holds recent short strings by a hash of their bytes, so that
	// object keys and values that repeat, within a document and across the
	// records decoded one by one, are allocated and boxed once. Strings
	// are immutable, so sharing them between results is safe.
	cache [1 << jsonCacheBits]cachedString
	// into, when set, is the empty map the next object at depth 1 fills
	// (see DecodeKeys).
	into map[string]any
}

type cachedString struct {
	s string
	v any // s as an any, once it has been a value
	// keys and want cache whether s is in keys, for DecodeKeys.
	keys *Keys
	want bool
}

type jsonMember struct {
	key string
	val any
}

var decoderPool = sync.Pool{New: func() any { return new(jsonDecoder) }}

// DecodeJSON decodes one JSON document into plain JSON values. It accepts
// exactly what encoding/json accepts: one value with only JSON whitespace
// around it. Strings are unescaped as encoding/json does, duplicate object
// keys keep their last value, and numbers become what Number makes of them.
func DecodeJSON(data []byte) (any, error) {
	d := decoderPool.Get().(*jsonDecoder)
	d.data, d.pos = data, 0
	v, ok := d.document()
	d.release()
	if !ok {
		// The reference implementation words the error.
		return decodeJSONStd(data)
	}
	return v, nil
}

// release drops the decoder's references to the input and to values, and
// returns it to the pool.
func (d *jsonDecoder) release() {
	d.data, d.into = nil, nil
	clear(d.members[:cap(d.members)])
	clear(d.elems[:cap(d.elems)])
	d.members, d.elems = d.members[:0], d.elems[:0]
	if cap(d.members) > jsonMaxScratch {
		d.members = nil
	}
	if cap(d.elems) > jsonMaxScratch {
		d.elems = nil
	}
	decoderPool.Put(d)
}

func (d *jsonDecoder) document() (any, bool) {
	d.pos = skipJSONSpace(d.data, 0)
	v, ok := d.value(0)
	if !ok {
		return nil, false
	}
	return v, skipJSONSpace(d.data, d.pos) == len(d.data)
}

// value parses the value at d.pos, which is not whitespace, inside depth
// levels of arrays and objects.
func (d *jsonDecoder) value(depth int) (any, bool) {
	data := d.data
	if d.pos >= len(data) {
		return nil, false
	}
	switch data[d.pos] {
	case '"':
		start := d.pos + 1
		end, flags := scanString(data, start)
		if end < 0 {
			return nil, false
		}
		d.pos = end + 1
		if cacheable(data[start:end], flags) {
			e := d.lookup(data[start:end])
			if e.v == nil {
				e.v = e.s
			}
			return e.v, true
		}
		return stringOf(data[start:end], flags), true
	case '{':
		return d.object(depth+1, nil)
	case '[':
		return d.array(depth + 1)
	case 't':
		if hasJSONLiteral(data, d.pos, "true") {
			d.pos += 4
			return true, true
		}
	case 'f':
		if hasJSONLiteral(data, d.pos, "false") {
			d.pos += 5
			return false, true
		}
	case 'n':
		if hasJSONLiteral(data, d.pos, "null") {
			d.pos += 4
			return nil, true
		}
	default:
		start := d.pos
		end, isInt := scanNumber(data, start)
		if end < 0 {
			return nil, false
		}
		d.pos = end
		return numberOf(data[start:end], isInt), true
	}
	return nil, false
}

// object parses the object at d.pos, which is at nesting level depth. With
// keys, it keeps only the members keys names and skips the others' values
// without decoding them (see DecodeKeys).
func (d *jsonDecoder) object(depth int, keys *Keys) (any, bool) {
	empty, ok := d.open('}', depth)
	if !ok {
		return nil, false
	}
	data := d.data
	if empty {
		if m := d.into; m != nil && depth == 1 {
			d.into = nil
			return m, true
		}
		return map[string]any{}, true
	}
	base := len(d.members)
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
		want := true
		if cacheable(data[start:end], flags) {
			e := d.lookup(data[start:end])
			key = e.s
			if keys != nil {
				if e.keys != keys {
					e.keys, e.want = keys, keys.set[key]
				}
				want = e.want
			}
		} else {
			key = stringOf(data[start:end], flags)
			want = keys == nil || keys.set[key]
		}
		d.pos = skipJSONSpace(data, end+1)
		if d.pos >= len(data) || data[d.pos] != ':' {
			return nil, false
		}
		d.pos = skipJSONSpace(data, d.pos+1)
		if !want {
			if !d.skipValue(depth) {
				return nil, false
			}
		} else {
			v, ok := d.value(depth)
			if !ok {
				return nil, false
			}
			d.members = append(d.members, jsonMember{key, v})
		}
		more, ok := d.next('}')
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
	}
	ms := d.members[base:]
	var m map[string]any
	if depth == 1 && d.into != nil {
		m, d.into = d.into, nil
	} else {
		m = make(map[string]any, len(ms))
	}
	for _, e := range ms {
		m[e.key] = e.val // The last of duplicate keys wins, as in encoding/json.
	}
	// The stale members are overwritten or cleared by release.
	d.members = d.members[:base]
	return m, true
}

// array parses the array at d.pos, which is at nesting level depth.
func (d *jsonDecoder) array(depth int) (any, bool) {
	switch empty, ok := d.open(']', depth); {
	case !ok:
		return nil, false
	case empty:
		return []any{}, true
	}
	base := len(d.elems)
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		d.elems = append(d.elems, v)
		more, ok := d.next(']')
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
	}
	es := d.elems[base:]
	a := make([]any, len(es))
	copy(a, es)
	d.elems = d.elems[:base]
	return a, true
}

// cacheable reports whether the JSON string with content b and flags from
// scanString is short and is its own value, so that the string cache may
// hold it.
func cacheable(b []byte, flags int) bool {
	return len(b) <= jsonMaxCached && (flags == 0 || flags == strHigh && utf8.Valid(b))
}

// lookup returns the cache entry of the string b, which it makes when the
// cache does not hold b.
func (d *jsonDecoder) lookup(b []byte) *cachedString {
	e := &d.cache[hashBytes(b)]
	if e.s != string(b) {
		e.s, e.v, e.keys = string(b), nil, nil
	}
	return e
}

// hashBytes hashes the length and up to 24 bytes of b, the first, middle
// and last 8, into jsonCacheBits bits.
func hashBytes(b []byte) uint {
	n := len(b)
	h := uint64(n)
	if n >= 8 {
		h ^= binary.LittleEndian.Uint64(b)
		h = (h ^ h>>29) * 0xbf58476d1ce4e5b9
		h ^= binary.LittleEndian.Uint64(b[n/2-4:])
		h = (h ^ h>>29) * 0xbf58476d1ce4e5b9
		h ^= binary.LittleEndian.Uint64(b[n-8:])
	} else {
		for _, c := range b {
			h = h<<8 | uint64(c)
		}
		h ^= uint64(n) << 61
	}
	h = (h ^ h>>32) * 0x94d049bb133111eb
	return uint(h >> (64 - jsonCacheBits))
}

// jsonSpace tells the bytes JSON counts as whitespace.
var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// skipJSONSpace returns the offset of the first byte of data from i on that is
// not JSON whitespace, or len(data).
func skipJSONSpace(data []byte, i int) int {
	for i < len(data) && jsonSpace[data[i]] {
		i++
	}
	return i
}

func hasJSONLiteral(data []byte, i int, lit string) bool {
	return len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit
}

// Flags of scanString.
const (
	strEscape = 1 << iota // the string has backslash escapes
	strHigh               // the string has bytes of 0x80 and above
)

// Masks of the bytes of a word, for testing 8 bytes of a string at once.
const (
	swarLows     = 0x0101010101010101
	swarHighs    = 0x8080808080808080
	swarQuotes   = '"' * swarLows
	swarSlashes  = '\\' * swarLows
	swarControls = ' ' * swarLows
)

// scanString scans the JSON string whose content starts at data[i], just
// after its opening quote. It returns the offset of the closing quote and
// whether the string has escapes or bytes outside ASCII, or -1 when the
// string is not valid JSON: a control character, a bad escape, no end.
// Invalid UTF-8 is valid JSON (encoding/json replaces it).
func scanString(data []byte, i int) (end int, flags int) {
	var high uint64
	for {
		// Skip plain bytes eight at a time. special has the high bit of
		// each byte that is a quote, a backslash or a control character,
		// exactly for the lowest such byte.
		for i+8 <= len(data) {
			x := binary.LittleEndian.Uint64(data[i:])
			q, s := x^swarQuotes, x^swarSlashes
			special := ((x - swarControls) &^ x) | ((q - swarLows) &^ q) | ((s - swarLows) &^ s)
			special &= swarHighs
			if special != 0 {
				n := bits.TrailingZeros64(special) / 8
				high |= x & (1<<(8*n) - 1)
				i += n
				break
			}
			high |= x
			i += 8
		}
		if i >= len(data) {
			return -1, 0
		}
		c := data[i]
		switch {
		case c == '"':
			if high&swarHighs != 0 {
				flags |= strHigh
			}
			return i, flags
		case c == '\\':
			if i+1 >= len(data) {
				return -1, 0
			}
			flags |= strEscape
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(data)-i < 6 || !isHexDigit(data[i+2]) || !isHexDigit(data[i+3]) || !isHexDigit(data[i+4]) || !isHexDigit(data[i+5]) {
					return -1, 0
				}
				i += 6
			default:
				return -1, 0
			}
		case c < ' ':
			return -1, 0
		default:
			high |= uint64(c) // c >= 0x80 sets bit 7, inside swarHighs.
			i++
		}
	}
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexDigit(c byte) rune {
	switch {
	case c <= '9':
		return rune(c - '0')
	case c <= 'F':
		return rune(c - 'A' + 10)
	}
	return rune(c - 'a' + 10)
}

// scanNumber scans the JSON number at data[i]. It returns the offset just
// after it and whether it is an integer (no fraction, no exponent), or -1
// when data[i:] does not start with a JSON number.
func scanNumber(data []byte, i int) (end int, isInt bool) {
	if i < len(data) && data[i] == '-' {
		i++
	}
	if i >= len(data) {
		return -1, false
	}
	switch c := data[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i++
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	default:
		return -1, false
	}
	isInt = true
	if i < len(data) && data[i] == '.' {
		isInt = false
		i++
		start := i
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		if i == start {
			return -1, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		isInt = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		start := i
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		if i == start {
			return -1, false
		}
	}
	return i, isInt
}

// numberOf converts the text of a JSON number as Number does.
func numberOf(b []byte, isInt bool) any {
	if !isInt {
		// Neither strconv.ParseInt nor big.Int's SetString in base 10
		// accepts a fraction or an exponent, so Number would come here.
		f, _ := strconv.ParseFloat(string(b), 64)
		return f
	}
	digits := b
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if strconv.IntSize == 64 && len(digits) <= 18 {
		n := 0
		for _, c := range digits {
			n = n*10 + int(c-'0')
		}
		if b[0] == '-' {
			n = -n
		}
		return n
	}
	return Number(string(b))
}

// stringOf returns the value of the JSON string whose content, between
// the swarQuotes, is b, with the flags scanString found for it.
func stringOf(b []byte, flags int) string {
	if flags == 0 || flags == strHigh && utf8.Valid(b) {
		return string(b)
	}
	return unquoteJSON(b)
}

// unquoteJSON returns the value of the JSON string whose content, between the
// swarQuotes, is b, which scanString accepted. Like encoding/json, it replaces
// each byte of invalid UTF-8 with U+FFFD, and each \u escape of a surrogate
// that does not pair with the next escape.
func unquoteJSON(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + 2*utf8.UTFMax)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\\':
			i++
			switch c = b[i]; c {
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				r := hex4(b[i+1:])
				i += 5
				if utf16.IsSurrogate(r) {
					if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						if pair := utf16.DecodeRune(r, hex4(b[i+2:])); pair != utf8.RuneError {
							sb.WriteRune(pair)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				sb.WriteRune(r)
				continue
			default: // '"', '\\' and '/'
				sb.WriteByte(c)
			}
			i++
		case c < utf8.RuneSelf:
			sb.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			sb.WriteRune(r) // RuneError for a bad byte
			i += n
		}
	}
	return sb.String()
}

// hex4 returns the value of the four hex digits that start b, which
// scanString checked, or -1 when b is too short or they are not hex.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		if !isHexDigit(c) {
			return -1
		}
		r = r<<4 | hexDigit(c)
	}
	return r
}
