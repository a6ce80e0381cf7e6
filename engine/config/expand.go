package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

var (
	refRE     = regexp.MustCompile(`\$\$\{|\$\{([^}]*)\}`)
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// expand replaces ${VAR}, ${VAR:-default} and ${file:PATH} references in s;
// $${ stands for a literal ${. It reports the first problem as an error
// message and records expanded values that are secrets.
func (d *Decoder) expand(s string) (string, error) {
	if d.noExpand || !strings.Contains(s, "${") {
		return s, nil
	}
	var firstErr error
	out := refRE.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$${" {
			return "${"
		}
		ref := m[2 : len(m)-1]
		v, err := d.resolve(ref)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return out, firstErr
}

func (d *Decoder) resolve(ref string) (string, error) {
	if path, ok := strings.CutPrefix(ref, "file:"); ok {
		if path == "" {
			return "", fmt.Errorf("${file:} needs a path")
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(d.Dir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("${file:%s}: cannot read the file: %w", strings.TrimPrefix(ref, "file:"), unwrapPathErr(err))
		}
		v := strings.TrimRight(string(b), "\r\n")
		d.secret(v)
		return v, nil
	}
	name, def, hasDef := strings.Cut(ref, ":-")
	if !envNameRE.MatchString(name) {
		return "", fmt.Errorf("${%s}: %q is not a variable name; use ${NAME}, ${NAME:-default} or ${file:PATH}", ref, name)
	}
	v, ok := d.lookupEnv(name)
	if hasDef && v == "" {
		if SecretName(name) {
			d.secret(def)
		}
		return def, nil
	}
	if !ok {
		return "", fmt.Errorf("environment variable %s is not set; set it or give a default with ${%s:-default}", name, name)
	}
	if SecretName(name) {
		d.secret(v)
	}
	return v, nil
}

func (d *Decoder) lookupEnv(name string) (string, bool) {
	if d.Env != nil {
		return d.Env(name)
	}
	return os.LookupEnv(name)
}

func (d *Decoder) secret(v string) {
	if len(v) >= 3 {
		d.Secrets = append(d.Secrets, v)
	}
}

// unwrapPathErr drops the path an *os.PathError repeats.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// secretWords are the words that make a variable's value a secret.
var secretWords = map[string]bool{
	"pass": true, "passwd": true, "password": true, "passphrase": true, "pwd": true, "pw": true,
	"secret": true, "secrets": true, "token": true, "tokens": true, "key": true, "apikey": true,
	"credential": true, "credentials": true, "creds": true, "auth": true, "authorization": true,
	"private": true, "cookie": true, "session": true,
}

// SecretName reports whether a variable of this name holds a secret: when
// one of its words (split at _, -, . and case changes) is password, pass,
// secret, token, key, credential(s), auth and the like. A DSN is not a
// secret as a whole: the sql source hides its password. "monkey" and
// "author" are not secret names; "api_key", "apiKey" and "DB_PASSWORD" are.
func SecretName(name string) bool {
	for _, w := range words(name) {
		if secretWords[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// words splits a name at non-letters and at case changes: api_key, apiKey,
// APIKey and API-KEY all give "api" (or "API") and "key".
func words(name string) []string {
	var out []string
	r := []rune(name)
	start := -1
	for i, c := range r {
		letter := unicode.IsLetter(c) || unicode.IsDigit(c)
		if !letter {
			if start >= 0 {
				out = append(out, string(r[start:i]))
				start = -1
			}
			continue
		}
		if start >= 0 && unicode.IsUpper(c) {
			prevLower := unicode.IsLower(r[i-1])
			acronymEnd := unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || acronymEnd {
				out = append(out, string(r[start:i]))
				start = i
			}
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, string(r[start:]))
	}
	return out
}
