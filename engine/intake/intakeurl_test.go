package intake

import (
	"strings"
	"testing"
)

func TestIntakeURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://obs.example.com", "https://obs.example.com/receiver/stsAgent/intake"},
		{"https://obs.example.com/", "https://obs.example.com/receiver/stsAgent/intake"},
		{"  https://obs.example.com  ", "https://obs.example.com/receiver/stsAgent/intake"},
		{"HTTPS://obs.example.com", "https://obs.example.com/receiver/stsAgent/intake"},
		{"https://example.com/observability", "https://example.com/observability/receiver/stsAgent/intake"},
		{"https://obs.example.com/receiver", "https://obs.example.com/receiver/stsAgent/intake"},
		{"https://obs.example.com/receiver/", "https://obs.example.com/receiver/stsAgent/intake"},
		{"https://sts.example.com:7077", "https://sts.example.com:7077/stsAgent/intake"},
		{"https://sts.example.com:7077/", "https://sts.example.com:7077/stsAgent/intake"},
		{"https://sts.example.com:8443", "https://sts.example.com:8443/receiver/stsAgent/intake"},
		{"http://rel-receiver:7077/stsAgent", "http://rel-receiver:7077/stsAgent/intake"},
		{"https://obs.example.com/stsAgent/", "https://obs.example.com/stsAgent/intake"},
		{"https://obs.example.com/receiver/stsAgent", "https://obs.example.com/receiver/stsAgent/intake"},
		{"https://obs.example.com/receiver/stsAgent/intake", "https://obs.example.com/receiver/stsAgent/intake"},
		{"https://sts.example.com:7077/stsAgent/intake/", "https://sts.example.com:7077/stsAgent/intake/"},
		{"https://obs.example.com/stsAgent/intake?tenant=a#frag", "https://obs.example.com/stsAgent/intake?tenant=a"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := IntakeURL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("IntakeURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			again, err := IntakeURL(got)
			if err != nil || again != got {
				t.Errorf("IntakeURL is not idempotent: %q → %q, %v", got, again, err)
			}
		})
	}
}

func TestIntakeURLRejects(t *testing.T) {
	tests := []struct {
		in, want, secret string
	}{
		{"", "has no scheme", ""},
		{"obs.example.com", "has no scheme", ""},
		{"ftp://obs.example.com", `scheme "ftp": want http or https`, ""},
		{"https://", "has no host", ""},
		{"https://obs.example.com/%zz", "is not a url", ""},
		{"https://obs.example.com/stsAgent/intake?api_key=s3cret-key", "use the api key flag", "s3cret-key"},
		{"https://obs.example.com/?x=1&api%5Fkey=s3cret-key", "use the api key flag", "s3cret-key"},
		{"https://obs.example.com/?api_key=s3cret-key;x=1", "use the api key flag", "s3cret-key"},
		{"https://admin:pa55word@obs.example.com", "carries credentials", "pa55word"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := IntakeURL(tt.in)
			if err == nil {
				t.Fatalf("IntakeURL(%q) = %q, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q reveals the secret", err)
			}
		})
	}
}
