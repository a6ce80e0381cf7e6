package intake

import (
	"fmt"
	"strings"
	"time"
)

// bodySnippetSize is how much of a failed answer's body a StatusError keeps.
const bodySnippetSize = 200

// StatusError reports that the receiver answered a chunk with a status other
// than 2xx. The chunks after it were not sent.
type StatusError struct {
	// StatusCode is the HTTP status code, such as 403.
	StatusCode int
	// Status is the status line, such as "403 Forbidden".
	Status string
	// Chunk is the 1-based number of the failed chunk, of Chunks.
	Chunk, Chunks int
	// Body is the start of the answer's body, on one line, with the API key
	// redacted.
	Body string
	// Location is where a redirect pointed, with any API key redacted; the
	// sink does not follow redirects, so that the key does not follow them.
	Location string
	// RetryAfter is the receiver's Retry-After, zero when it gave none.
	RetryAfter time.Duration
}

// Error returns a message such as
// "receiver answered 403 Forbidden to chunk 2 of 3: invalid key".
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "receiver answered %s to chunk %d of %d", e.Status, e.Chunk, e.Chunks)
	if e.Location != "" {
		fmt.Fprintf(&b, " (redirect to %s: give that url instead)", e.Location)
	}
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	return b.String()
}
