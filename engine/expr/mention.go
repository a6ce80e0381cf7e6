package expr

// MentionsVar reports whether the jq text src mentions the variable $name
// as a whole word: $name not followed by a letter, digit or underscore. It
// looks at the text only, comments and strings included, so it errs on the
// side of yes.
func MentionsVar(src, name string) bool {
	word := "$" + name
	for i := 0; i+len(word) <= len(src); i++ {
		if src[i] != '$' || src[i:i+len(word)] != word {
			continue
		}
		if end := i + len(word); end == len(src) || !isIdentByte(src[end]) {
			return true
		}
	}
	return false
}

// isIdentByte reports whether c may continue a jq identifier.
func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
