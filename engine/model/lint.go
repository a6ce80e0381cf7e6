package model

// IsURN reports whether id matches StackState's pattern for identifiers
// (reference §6): ^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,\-.:=@;$_!*'%/?#]+$.
func IsURN(id string) bool {
	rest, ok := cutPrefix(id, "urn:")
	if !ok {
		return false
	}
	i := 0
	for i < len(rest) && i < 32 && (isLowerAlnum(rest[i]) || i > 0 && rest[i] == '-') {
		i++
	}
	if i == 0 || i >= len(rest) || rest[i] != ':' {
		return false
	}
	tail := rest[i+1:]
	if tail == "" {
		return false
	}
	for j := 0; j < len(tail); j++ {
		if !urnTail[tail[j]] {
			return false
		}
	}
	return true
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return s, false
	}
	return s[len(prefix):], true
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// urnTail marks the bytes the part of a URN after its prefix may hold.
var urnTail = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isLowerAlnum(byte(c))
	}
	for _, c := range []byte("()+,-.:=@;$_!*'%/?#") {
		t[c] = true
	}
	return t
}()
