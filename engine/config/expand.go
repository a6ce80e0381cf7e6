package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	refRE     = regexp.MustCompile(`\$\$\{|\$\{([^}]*)\}`)
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// secretNameRE matches the names of variables whose values are secrets.
	secretNameRE = regexp.MustCompile(`(?i)pass|secret|token|key|credential|auth|dsn`)
)

// expand replaces ${VAR}, ${VAR:-default} and ${file:PATH} references in s;
// $${ stands for a literal ${. It reports the first problem as an error
// message and records expanded values that are secrets.
func (d *Decoder) expand(s string) (string, error) {
	if !strings.Contains(s, "${") {
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
		return def, nil
	}
	if !ok {
		return "", fmt.Errorf("environment variable %s is not set; set it or give a default with ${%s:-default}", name, name)
	}
	if secretNameRE.MatchString(name) {
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
