package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/config"
)

// loadVars writes a mapping with the given vars block into a temporary
// directory beside the given files and loads it.
func loadVars(t *testing.T, vars string, files map[string]string, env map[string]string) (*config.Mapping, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := "name: expand\nvars:\n" + vars + "sources:\n  - name: cis\n    file: {path: cis.json}\ncomponents:\n  - jq: .\n"
	path := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Load(path, config.Options{Env: lookup(env)})
}

func TestExpand(t *testing.T) {
	env := map[string]string{
		"HOST":  "sn.example.com",
		"EMPTY": "",
		"PORT":  "8443",
		"TEXT":  "a ${HOST} b", // values are not expanded again
	}
	files := map[string]string{
		"secrets/token":  "tok-123\n",
		"secrets/crlf":   "crlf-value\r\n",
		"secrets/multi":  "line1\nline2\n\n",
		"secrets/nonl":   "no-newline",
		"secrets/spaces": "  padded  \n",
	}
	tests := []struct {
		name, value string
		want        any
	}{
		{"plain", "${HOST}", "sn.example.com"},
		{"inside text", "https://${HOST}:${PORT}/api", "https://sn.example.com:8443/api"},
		{"default unused", "${HOST:-other}", "sn.example.com"},
		{"default used when unset", "${UNSET:-fallback}", "fallback"},
		{"default used when set but empty", "${EMPTY:-fallback}", "fallback"},
		{"empty default", "x${UNSET:-}y", "xy"},
		{"default with spaces and colons", "${UNSET:-a b:c}", "a b:c"},
		{"set but empty without default", `"[${EMPTY}]"`, "[]"},
		{"escaped", "$${HOST}", "${HOST}"},
		{"escaped next to a reference", "$${HOST}=${HOST}", "${HOST}=sn.example.com"},
		{"lone dollar", "$HOST and $", "$HOST and $"},
		{"no recursion", "${TEXT}", "a ${HOST} b"},
		{"file", "${file:secrets/token}", "tok-123"},
		{"file, CRLF", "${file:secrets/crlf}", "crlf-value"},
		{"file, only the trailing newlines trimmed", "${file:secrets/multi}", "line1\nline2"},
		{"file without newline", "${file:secrets/nonl}", "no-newline"},
		{"file keeps spaces", `"[${file:secrets/spaces}]"`, "[  padded  ]"},
		{"file inside text", "Bearer ${file:secrets/token}", "Bearer tok-123"},
		{"number stays a number", "8443", 8443},
		{"quoted number stays a string", `"8443"`, "8443"},
		{"expanded number is a string", "${PORT}", "8443"},
		{"list", `["${HOST}", 2]`, []any{"sn.example.com", 2}},
		{"mapping", `{h: "${HOST}"}`, map[string]any{"h": "sn.example.com"}},
	}
	var vars strings.Builder
	for i, tt := range tests {
		fmt.Fprintf(&vars, "  v%d: %s\n", i, tt.value)
	}
	m, err := loadVars(t, vars.String(), files, env)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Vars.Map()
	for i, tt := range tests {
		v := got[fmt.Sprintf("v%d", i)]
		if fmt.Sprintf("%#v", v) != fmt.Sprintf("%#v", tt.want) {
			t.Errorf("%s: %s = %#v, want %#v", tt.name, tt.value, v, tt.want)
		}
	}
	// Vars keep file order and positions.
	if len(m.Vars) != len(tests) || m.Vars[0].Name != "v0" || m.Vars[0].Pos.Line != 3 || m.Vars[0].Pos.Col != 3 {
		t.Errorf("Vars[0] = %+v", m.Vars[0])
	}
	for i, v := range m.Vars {
		if v.Name != fmt.Sprintf("v%d", i) {
			t.Errorf("Vars[%d] is %s", i, v.Name)
		}
	}
}

func TestExpandAbsoluteFile(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "abs-secret")
	if err := os.WriteFile(abs, []byte("from-abs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := loadVars(t, "  v: ${file:"+abs+"}\n", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := m.Vars.Map()["v"]; v != "from-abs" {
		t.Errorf("v = %#v", v)
	}
}

func TestExpandErrors(t *testing.T) {
	secretContent := "TOP-SECRET-CONTENT"
	files := map[string]string{"dir/.keep": "", "unreadable": secretContent}
	tests := []struct {
		name, value, msg string
	}{
		{"unset", "${SN_URL}", "environment variable SN_URL is not set; set it or give a default with ${SN_URL:-default}"},
		{"unset inside text", "https://${SN_HOST}/api", "environment variable SN_HOST is not set; set it or give a default with ${SN_HOST:-default}"},
		{"invalid name", "${1ABC}", `${1ABC}: "1ABC" is not a variable name; use ${NAME}, ${NAME:-default} or ${file:PATH}`},
		{"dash in name", "${MY-VAR}", `${MY-VAR}: "MY-VAR" is not a variable name`},
		{"empty name", "x${}", `${}: "" is not a variable name`},
		{"bash default syntax", "${HOST-x}", `"HOST-x" is not a variable name`},
		{"spaces", "${ HOST }", `" HOST " is not a variable name`},
		{"file without path", "${file:}", "${file:} needs a path"},
		{"missing file", "${file:nope/secret}", "${file:nope/secret}: cannot read the file: no such file or directory"},
		{"directory", "${file:dir}", "${file:dir}: cannot read the file: is a directory"},
		{"first of two problems", "${UNSET_A}${UNSET_B}", "environment variable UNSET_A is not set"},
	}
	if os.Geteuid() != 0 {
		tests = append(tests, struct{ name, value, msg string }{"unreadable file", "${file:unreadable}", "${file:unreadable}: cannot read the file: permission denied"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := loadVarsChmod(t, "  v: "+tt.value+"\n", files)
			var list config.ErrorList
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("err = %v, want one problem", err)
			}
			e := list[0]
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", e.Msg, tt.msg)
			}
			if e.Pos.Line != 3 || e.Pos.Col != 6 {
				t.Errorf("position = %s, want line 3 col 6 (the value)", e.Pos)
			}
			if strings.Contains(err.Error(), secretContent) {
				t.Errorf("error shows the file's content: %v", err)
			}
			if strings.Contains(err.Error(), filepath.Dir(m.Path)+string(filepath.Separator)+"unreadable") {
				t.Errorf("error repeats the full path: %v", err)
			}
		})
	}
}

// loadVarsChmod is loadVars, with the file "unreadable" made unreadable.
func loadVarsChmod(t *testing.T, vars string, files map[string]string) (*config.Mapping, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if name == "unreadable" {
			if err := os.Chmod(p, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	src := "name: expand\nvars:\n" + vars + "sources:\n  - name: cis\n    file: {path: cis.json}\ncomponents:\n  - jq: .\n"
	path := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := config.Load(path, config.Options{Env: lookup(nil)})
	if m == nil {
		t.Fatalf("Load returned no mapping: %v", err)
	}
	return m, err
}

// TestExpandEverywhere checks that ${…} is expanded in every kind of value,
// not only vars, and that the real environment is used when Env is nil.
func TestExpandEverywhere(t *testing.T) {
	t.Setenv("STACKMAP_TEST_LAYER", "Machines")
	src := `name: ${NAME:-everywhere}
timeout: ${TIMEOUT}
on_invalid: ${MODE:-drop}
defaults: {layer: "${STACKMAP_TEST_LAYER}"}
instance: {type: "${TYPE}", url: "https://${HOST}/x"}
sources:
  - name: cis
    file: {path: cis.json}
components:
  - name: ${RULE}
    jq: .
`
	env := map[string]string{"TIMEOUT": "90s", "TYPE": "servicenow", "HOST": "h", "RULE": "servers", "STACKMAP_TEST_LAYER": "Env"}
	m, err := config.Parse("m.yaml", []byte(src), config.Options{Env: lookup(env)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name.Value != "everywhere" || m.Timeout.String() != "1m30s" || m.OnInvalid != "drop" || m.Defaults.Layer != "Env" ||
		m.Components[0].Name != "servers" || m.Instance.Type.Str.Src != "servicenow" || m.Instance.URL.Str.Src != "https://h/x" {
		t.Errorf("expanded mapping = name %q timeout %v on_invalid %q layer %q rule %q type %q url %q",
			m.Name.Value, m.Timeout, m.OnInvalid, m.Defaults.Layer, m.Components[0].Name, m.Instance.Type.Str.Src, m.Instance.URL.Str.Src)
	}
	m, err = config.Parse("m.yaml", []byte(src), config.Options{})
	var list config.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	if m.Defaults.Layer != "Machines" {
		t.Errorf("with Env nil, layer = %q, want the process environment's value", m.Defaults.Layer)
	}
	// The expression fields are jq and are not expanded: $ is jq's.
	m = parseRule(t, "  - jq: '\"${HOST}\"'\n")
	if m.Components[0].JQ.Src != `"${HOST}"` {
		t.Errorf("jq was expanded: %q", m.Components[0].JQ.Src)
	}
}

func TestSecrets(t *testing.T) {
	env := map[string]string{
		"SN_URL":       "https://sn.example.com",
		"SN_USER":      "admin-user",
		"SN_PASSWORD":  "hunter2-pw",
		"API_TOKEN":    "tok-abcdef",
		"DB_DSN":       "postgres://u:p@db/x",
		"PLAIN":        "plain-value",
		"AUTH_HEADER":  "Basic abc",
		"SHORT_SECRET": "ab",
	}
	vars := `  base: ${SN_URL}
  user: ${SN_USER}
  password: literal-password
  from_env_name: ${SN_PASSWORD}
  token: ${PLAIN}
  api_key: {nested: [deep-secret]}
  bearer: ${API_TOKEN}
  dsn: ${DB_DSN}
  header: ${AUTH_HEADER}
  cert: ${file:client.key}
  short: ${SHORT_SECRET}
  number: 12345
  region: eu-west-1
`
	m, err := loadVars(t, vars, map[string]string{"client.key": "-----BEGIN KEY-----\nabc\n"}, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"literal-password", // a var named like a secret
		"hunter2-pw",       // from a variable named like a secret
		"plain-value",      // a plain variable in a var named token
		"deep-secret",      // nested in a secret var
		"tok-abcdef",       // API_TOKEN
		"Basic abc",        // AUTH_HEADER
		"-----BEGIN KEY-----\nabc",
	} {
		if !slices.Contains(m.Secrets, s) {
			t.Errorf("Secrets lacks %q: %q", s, m.Secrets)
		}
	}
	// A DSN is not a secret as a whole: the sql source hides its password.
	for _, s := range []string{"https://sn.example.com", "admin-user", "eu-west-1", "12345", "postgres://u:p@db/x"} {
		if slices.Contains(m.Secrets, s) {
			t.Errorf("Secrets holds the plain value %q", s)
		}
	}
	// Values shorter than 3 bytes are not redacted: they would blank out
	// ordinary text.
	if slices.Contains(m.Secrets, "ab") {
		t.Errorf("Secrets holds the 2-byte value \"ab\"")
	}

	// Secret values are redacted from the errors of the same file.
	r := config.NewRedactor(m.Secrets)
	if got := r.Replace("login admin-user:hunter2-pw with tok-abcdef"); got != "login admin-user:"+config.Redacted+" with "+config.Redacted {
		t.Errorf("Replace = %q", got)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	const value = "s3cr3t-value"
	s := config.NewSecret(value)
	if s.Reveal() != value || s.IsZero() {
		t.Fatalf("Reveal = %q, IsZero = %v", s.Reveal(), s.IsZero())
	}
	type holder struct {
		Name  string
		Token config.Secret
		Ptr   *config.Secret
	}
	h := holder{Name: "n", Token: s, Ptr: &s}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	logger.Info("login", "token", s, "ptr", &s)
	jlog := slog.New(slog.NewJSONHandler(&logs, nil))
	jlog.Info("login", "token", s, slog.Any("any", s), slog.Group("g", "t", s))
	text, _ := s.MarshalText()
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String":      s.String(),
		"GoString":    s.GoString(),
		"MarshalText": string(text),
		"LogValue":    s.LogValue().String(),
		"%v":          fmt.Sprintf("%v", s),
		"%s":          fmt.Sprint(s),
		"%q":          fmt.Sprintf("%q", s),
		"%+v struct":  fmt.Sprintf("%+v", h),
		"%#v struct":  fmt.Sprintf("%#v", h),
		"%#v":         fmt.Sprintf("%#v", s),
		"%v pointer":  fmt.Sprintf("%v", &s),
		"json":        string(js),
		"slog":        logs.String(),
		"error":       fmt.Errorf("auth with %v failed", s).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, "s3cr3t") {
			t.Errorf("%s shows the secret: %s", name, out)
		}
	}
	for _, name := range []string{"String", "GoString", "MarshalText", "LogValue", "%v", "%#v"} {
		if outputs[name] != config.Redacted {
			t.Errorf("%s = %q, want %q", name, outputs[name], config.Redacted)
		}
	}
	if !strings.Contains(outputs["json"], `"Token":"`+config.Redacted+`"`) {
		t.Errorf("json = %s", outputs["json"])
	}
	if strings.Count(logs.String(), config.Redacted) < 5 {
		t.Errorf("slog output does not show the redaction mark:\n%s", logs.String())
	}

	var zero config.Secret
	if !zero.IsZero() || zero.String() != "" || zero.GoString() != "" {
		t.Errorf("zero Secret: IsZero %v, String %q", zero.IsZero(), zero.String())
	}
}

func TestRedactor(t *testing.T) {
	tests := []struct {
		secrets []string
		in      string
		want    string
	}{
		{nil, "nothing to hide", "nothing to hide"},
		{[]string{"pw"}, "pw and pw", "****** and ******"},
		// Longer secrets first: a secret that contains another is hidden
		// whole, in whatever order they were given.
		{[]string{"abc", "abcdef"}, "x abcdef y abc", "x ****** y ******"},
		{[]string{"abcdef", "abc"}, "x abcdef y abc", "x ****** y ******"},
		{[]string{"user", "user:password"}, "https://user:password@host", "https://******@host"},
		{[]string{"token-1", "token-12"}, "token-12 token-1", "****** ******"},
		{[]string{"a\nb"}, "line a\nb end", "line ****** end"},
	}
	for _, tt := range tests {
		r := config.NewRedactor(tt.secrets)
		if got := r.Replace(tt.in); got != tt.want {
			t.Errorf("NewRedactor(%q).Replace(%q) = %q, want %q", tt.secrets, tt.in, got, tt.want)
		}
	}
	if config.NewRedactor(nil) != nil {
		t.Error("NewRedactor(nil) is not nil")
	}
	in := []string{"a", "abc", "ab"}
	config.NewRedactor(in)
	if !slices.Equal(in, []string{"a", "abc", "ab"}) {
		t.Errorf("NewRedactor reordered its argument: %q", in)
	}
}

// TestSecretsInErrorsAreKnown checks the contract the CLI relies on: a
// secret value that shows up in a load error is in Mapping.Secrets, so
// redacting the error with them hides it.
func TestSecretsInErrorsAreKnown(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("FILE-SECRET-42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `name: leak
timeout: ${file:secret}
on_invalid: ${DB_PASSWORD}
sources:
  - name: cis
    file: {path: cis.json}
components:
  - jq: .
    on_invalid: "x-${API_TOKEN}"
`
	path := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DB_PASSWORD": "DB-SECRET-42", "API_TOKEN": "TOKEN-SECRET-42"}
	m, err := config.Load(path, config.Options{Env: lookup(env)})
	if err == nil || m == nil {
		t.Fatalf("Load = %v, %v; want problems and a mapping", m, err)
	}
	if !strings.Contains(err.Error(), "SECRET-42") {
		t.Fatalf("the test does not provoke an error that shows a secret: %v", err)
	}
	redacted := config.NewRedactor(m.Secrets).Replace(err.Error())
	if strings.Contains(redacted, "SECRET-42") {
		t.Errorf("a secret survives redaction with Mapping.Secrets %q:\n%s", m.Secrets, redacted)
	}
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "DB_PASSWORD": true, "api_key": true, "apiKey": true, "APIKey": true, "API-KEY": true,
		"sn_pass": true, "token": true, "bearerToken": true, "client_secret": true, "pg_dsn": false, "auth": true,
		"monkey": false, "author": false, "keyboard_layout": false, "base": false, "user": false, "url": false,
		"passenger": false, "tokenizer": false, "SN_URL": false,
	} {
		if got := config.SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
}
