package mapping_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/mapping"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "unknown source kind with a suggestion",
			src: `name: x
sources:
  - name: s
    fiel: {path: s.json}
components: [{jq: '{id: "a", type: "t"}'}]
`,
			want: []string{`4:5: unknown source kind "fiel"; did you mean "file"?`},
		},
		{
			name: "unknown source kind without a suggestion",
			src: `name: x
sources:
  - name: s
    postgresql: {dsn: x}
components: [{jq: '{id: "a", type: "t"}'}]
`,
			want: []string{`4:5: unknown source kind "postgresql"; the kinds are file`},
		},
		{
			name: "jq syntax error in a block scalar",
			src: `name: x
sources: [{name: s, file: {path: s.json}}]
components:
  - name: c
    each: $s[]
    jq: |
      {id: .id,
       type: "t" +}
`,
			want: []string{`8:19: jq syntax error: unexpected token "}"`},
		},
		{
			name: "jq syntax error in a quoted scalar",
			src: `name: x
sources: [{name: s, file: {path: s.json}}]
components:
  - jq: '{id: .id, type: ("t" | )}'
`,
			want: []string{`4:33: jq syntax error: unexpected token ")"`},
		},
		{
			name: "source records use a later source",
			src: `name: x
sources:
  - name: first
    file: {path: s.json}
    records: .[] | select(.id == $later[0].id)
  - name: later
    file: {path: s.json}
components: [{jq: '{id: "a", type: "t"}'}]
`,
			want: []string{"5:34: jq: variable not defined: $later; variables are $vars, $instance, $now, $state and the sources named before this point"},
		},
		{
			name: "source uses itself",
			src: `name: x
sources:
  - name: me
    file: {path: s.json}
    records: $me
components: [{jq: '{id: "a", type: "t"}'}]
`,
			want: []string{"5:14: jq: variable not defined: $me; variables are $vars, $instance, $now, $state and the sources named before this point"},
		},
		{
			name: "source template uses a later source",
			src: `name: x
sources:
  - name: first
    file:
      path: "{{ $later | length }}.json"
      format: json
  - name: later
    file: {path: s.json}
components: [{jq: '{id: "a", type: "t"}'}]
`,
			want: []string{"5:17: jq: variable not defined: $later; variables are $vars, $instance, $now, $state and the sources named before this point"},
		},
		{
			name: "rule uses an undefined variable",
			src: `name: x
sources: [{name: s, file: {path: s.json}}]
components:
  - each: $s[]
    when: $nope
    jq: '{id: "a", type: "t"}'
`,
			want: []string{"5:11: jq: variable not defined: $nope; variables are $vars, $instance, $now, $state and the sources named before this point"},
		},
		{
			name: "rule uses an undefined function",
			src: `name: x
sources: [{name: s, file: {path: s.json}}]
components:
  - each: $s[]
    jq: '{id: (.id | frobnicate), type: "t"}'
`,
			want: []string{"5:22: jq: function not defined: frobnicate/0"},
		},
		{
			name: "env is disabled",
			src: `name: x
sources: [{name: s, file: {path: s.json}}]
components:
  - jq: '{id: env.HOME, type: "t"}'
`,
			want: []string{"4:15: env is disabled in stackmap; pass values in through vars and use $vars"},
		},
		{
			name: "bad cron schedule",
			src: `name: x
schedule: "*/5 * * *"
sources: [{name: s, file: {path: s.json}}]
components: [{jq: '{id: "a", type: "t"}'}]
`,
			want: []string{`2:11: invalid schedule "*/5 * * *": expected 5 to 6 fields, found 4: [*/5 * * *]; write cron with 5 fields (minute hour day month weekday) or 6 (seconds first), @hourly, or @every 5m`},
		},
		{
			name: "empty schedule",
			src: `name: x
schedule: ""
sources: [{name: s, file: {path: s.json}}]
components: [{jq: '{id: "a", type: "t"}'}]
`,
			want: []string{`2:11: the schedule is empty; write cron such as "*/5 * * * *" or @every 5m`},
		},
		{
			name: "instance template error",
			src: `name: x
instance:
  type: t
  url: "{{ $s }}"
sources: [{name: s, file: {path: s.json}}]
components: [{jq: '{id: "a", type: "t"}'}]
`,
			want: []string{"4:12: jq: variable not defined: $s; variables are $vars, $instance, $now, $state and the sources named before this point"},
		},
		{
			name: "every error of a file, in file order",
			src: `name: broken
schedule: "*/5 * * *"
sources:
  - name: hosts
    fiel: {path: hosts.json}
    records: .hosts[] | $later
  - name: later
    file: {path: "{{ $later }}.json", format: json}
  - name: other
    file: {path: other.txt}
components:
  - name: c
    jq: |
      {id: .id,
       type: "t" +}
  - name: d
    jq: '{id: $nope}'
`,
			want: []string{
				`2:11: invalid schedule "*/5 * * *": expected 5 to 6 fields, found 4: [*/5 * * *]; write cron with 5 fields (minute hour day month weekday) or 6 (seconds first), @hourly, or @every 5m`,
				`5:5: unknown source kind "fiel"; did you mean "file"?`,
				"6:25: jq: variable not defined: $later; variables are $vars, $instance, $now, $state and the sources named before this point",
				"8:22: jq: variable not defined: $later; variables are $vars, $instance, $now, $state and the sources named before this point",
				`10:18: cannot tell the format of "other.txt" from its extension; add format: json, ndjson, yaml or csv`,
				`15:19: jq syntax error: unexpected token "}"`,
				"17:15: jq: variable not defined: $nope; variables are $vars, $instance, $now, $state and the sources named before this point",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, path, err := compile(t, tc.src, nil)
			if err == nil {
				t.Fatalf("Compile succeeded: %+v", p)
			}
			if p != nil {
				t.Errorf("Compile returned a plan with its error")
			}
			if got := problems(t, err); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems\n got %q\nwant %q", got, tc.want)
			}
			var list config.ErrorList
			errors.As(err, &list)
			for _, e := range list {
				if e.Pos.File != path {
					t.Errorf("problem %q names file %q, want %q", e.Msg, e.Pos.File, path)
				}
			}
			if !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("error does not start with the file: %v", err)
			}
		})
	}
}

func TestCompileErrorShowsTheLineWithACaret(t *testing.T) {
	src := `name: x
sources: [{name: s, file: {path: s.json}}]
components:
  - name: c
    each: $s[]
    jq: |
      {id: .id,
       type: "t" +}
`
	_, _, err := compile(t, src, nil)
	var list config.ErrorList
	if !errors.As(err, &list) || len(list) != 1 {
		t.Fatalf("error %v", err)
	}
	want := "           type: \"t\" +}\n                      ^"
	if list[0].Detail != want {
		t.Errorf("detail\n%s\nwant\n%s", list[0].Detail, want)
	}
}

func TestRulesSeeEverySource(t *testing.T) {
	// Rules run after all sources, so any source is "earlier" for a rule,
	// in whatever order the file lists sources and rules.
	src := `name: x
components:
  - each: $b[]
    jq: '{id: "\(.id)-\($a | length)", type: "t"}'
sources:
  - name: a
    file: {path: s.json}
  - name: b
    file: {path: s.json}
`
	res, _, err := runOnce(t, src, map[string]string{"s.json": `[{"id": "x"}]`})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Batch.Components) != 1 || res.Batch.Components[0].ID != "x-1" {
		t.Errorf("components %+v", res.Batch.Components)
	}
}

func TestTimeoutDefaults(t *testing.T) {
	tests := []struct {
		name     string
		lines    string
		schedule bool
		interval time.Duration
		timeout  time.Duration
	}{
		{"no schedule", "", false, 0, mapping.DefaultTimeout},
		{"no schedule, explicit timeout", "timeout: 10s\n", false, 0, 10 * time.Second},
		{"cron every five minutes", "schedule: \"*/5 * * * *\"\n", true, 5 * time.Minute, 5 * time.Minute},
		{"cron with seconds", "schedule: \"*/30 * * * * *\"\n", true, 30 * time.Second, 30 * time.Second},
		{"every 90s", "schedule: \"@every 90s\"\n", true, 90 * time.Second, 90 * time.Second},
		{"hourly", "schedule: \"@hourly\"\n", true, time.Hour, time.Hour},
		{"explicit timeout wins", "schedule: \"*/5 * * * *\"\ntimeout: 2m\n", true, 5 * time.Minute, 2 * time.Minute},
		{"explicit timeout longer than the interval", "schedule: \"@every 1m\"\ntimeout: 3m\n", true, time.Minute, 3 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: x\n" + tc.lines + "sources: [{name: s, file: {path: s.json}}]\ncomponents: [{jq: '{id: \"a\", type: \"t\"}'}]\n"
			p, _ := mustCompile(t, src, nil)
			if (p.Schedule != nil) != tc.schedule {
				t.Errorf("Schedule = %v, want set %v", p.Schedule, tc.schedule)
			}
			if p.Interval != tc.interval || p.Timeout != tc.timeout {
				t.Errorf("Interval %v, Timeout %v; want %v, %v", p.Interval, p.Timeout, tc.interval, tc.timeout)
			}
			if tc.schedule && !strings.Contains(src, `"`+p.ScheduleSpec+`"`) {
				t.Errorf("ScheduleSpec = %q", p.ScheduleSpec)
			}
		})
	}
	if mapping.DefaultTimeout != 5*time.Minute {
		t.Errorf("DefaultTimeout = %v", mapping.DefaultTimeout)
	}
}

func TestRedact(t *testing.T) {
	src := `name: x
vars:
  password: s3cret-value
  user: alice
  token: ${SHOP_TOKEN}
  other: ${SHOP_ENV}
sources: [{name: s, file: {path: s.json}}]
components: [{jq: '{id: "a", type: "t"}'}]
`
	p, _ := mustCompile(t, src, nil)
	got := p.Redact("s3cret-value alice tok-3x4mpl3 Production")
	if want := "****** alice ****** Production"; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
}

// TestCompileAfterLoadErrors compiles a mapping the loader already found
// problems in, as validate does to report everything at once: it must not
// panic, and it adds its own problems.
func TestCompileAfterLoadErrors(t *testing.T) {
	src := `name: partly-bad
instance: {type: 1, url: ""}
sources:
  - name: bad-name
    file: {path: x.json}
  - name: ok
    file: {path: y.json}
components:
  - jq: '{id: "a", type: "b"}'
`
	m, err := config.Parse("m.yaml", []byte(src), config.Options{Env: lookupEnv})
	if m == nil || err == nil {
		t.Fatalf("config.Parse: %v, want the bad source name reported", err)
	}
	_, err = mapping.Compile(m)
	got := problems(t, err)
	want := []string{
		"2:18: instance type must be a string",
		"2:26: instance url must not be empty; it must equal the url typed into the Custom Synchronization StackPack",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
