package config

import (
	"log/slog"
	"slices"
	"strings"
)

// Redacted is what a secret shows wherever it would be printed.
const Redacted = "******"

// Secret is a string that must never be printed: it formats, marshals and
// logs as Redacted. Reveal returns the real value for the one place that
// needs it, such as an Authorization header.
type Secret struct{ value string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: s} }

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String returns Redacted, or "" for an empty secret.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return Redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// LogValue keeps log/slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText keeps encoders from printing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Redactor replaces secret values in text with Redacted. A nil Redactor
// leaves text as it is.
type Redactor struct{ r *strings.Replacer }

// NewRedactor returns a redactor for secrets, or nil when there are none.
// Longer secrets are replaced first, so one that contains another is
// hidden whole.
func NewRedactor(secrets []string) *Redactor {
	if len(secrets) == 0 {
		return nil
	}
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, Redacted)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// Replace returns s with every secret replaced.
func (r *Redactor) Replace(s string) string {
	if r == nil {
		return s
	}
	return r.r.Replace(s)
}
