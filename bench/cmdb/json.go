package cmdb

import "unicode/utf8"

// hexDigits are the digits of sys_ids, lower case as ServiceNow writes them.
const hexDigits = "0123456789abcdef"

// special marks the bytes appendString must look at: those JSON escapes,
// and the bytes of multi-byte UTF-8 sequences, which it checks.
var special = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// appendString appends s as the contents of a JSON string, without the
// quotes: '"', '\\' and control characters are escaped, everything else
// (valid UTF-8 included) is copied as it is. Invalid UTF-8 becomes U+FFFD,
// so that the output is always valid JSON.
func appendString[T string | []byte](dst []byte, s T) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !special[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	return append(dst, s[start:]...)
}

// appendField appends one ServiceNow field as the Table API writes it by
// default, "key":"value", and a comma; the record's writer drops the comma
// after the last field. key is a field name of this package and is not
// escaped.
func appendField[V string | []byte](dst []byte, key string, value V) []byte {
	dst = append(dst, '"')
	dst = append(dst, key...)
	dst = append(dst, `":"`...)
	dst = appendString(dst, value)
	return append(dst, `",`...)
}
