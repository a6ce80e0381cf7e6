package intake

import (
	"encoding/json"
	"fmt"
	"io"
)

// Encode writes e to w as compact JSON followed by a newline. It does not
// escape HTML characters, so names such as "<a&b>" appear as they are.
func Encode(w io.Writer, e *Envelope) error {
	return encode(w, e, "")
}

// EncodeIndent writes e to w like Encode, indented by two spaces for people
// to read.
func EncodeIndent(w io.Writer, e *Envelope) error {
	return encode(w, e, "  ")
}

// encode writes e to w, indented by indent unless it is empty.
func encode(w io.Writer, e *Envelope, indent string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(e); err != nil {
		return fmt.Errorf("encode envelope: %w", err)
	}
	return nil
}
