package intake

import (
	"net/url"
	"strings"

	"github.com/stackmap/stackmap/engine/config"
)

// keyForms returns the forms in which key may appear in a message: as it
// is and escaped for a query or a path.
func keyForms(key string) []string {
	if key == "" {
		return nil
	}
	return []string{key, url.QueryEscape(key), url.PathEscape(key)}
}

// redact replaces every occurrence of the secrets in s by config.Redacted.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, config.Redacted)
		}
	}
	return s
}

// redactedError hides secrets in the message of the error it wraps.
type redactedError struct {
	err     error
	secrets []string
}

// Error returns the wrapped error's message with the secrets redacted.
func (e *redactedError) Error() string {
	return redact(e.err.Error(), e.secrets...)
}

// Unwrap returns the wrapped error.
func (e *redactedError) Unwrap() error { return e.err }
