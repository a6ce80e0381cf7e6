package intake

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/stackmap/stackmap/engine/config"
)

// receiverPort is the port of a standalone receiver, which serves the intake
// at /stsAgent/intake without the /receiver prefix of a Kubernetes install.
const receiverPort = "7077"

// IntakeURL returns the intake endpoint of the receiver that raw names. raw
// may be
//
//   - a base URL such as https://host, which becomes
//     https://host/receiver/stsAgent/intake (a path ending in /receiver gets
//     /stsAgent/intake appended);
//   - a receiver on port 7077 with an empty path, such as https://host:7077,
//     which becomes https://host:7077/stsAgent/intake;
//   - a URL whose path ends in /stsAgent, which gets /intake appended;
//   - the endpoint itself, ending in /stsAgent/intake with or without a
//     trailing slash, which is kept.
//
// The scheme must be http or https. A URL that carries an api_key, a user or
// a password is rejected, so that the URL can be printed: the key goes in a
// flag of its own.
func IntakeURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// The parse error quotes the URL, which may hold a key.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("receiver url is not a url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return "", fmt.Errorf("receiver url %q has no scheme: start it with https://", redactURL(u))
		}
		return "", fmt.Errorf("receiver url %q has scheme %q: want http or https", redactURL(u), u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("receiver url %q has no host", redactURL(u))
	}
	if u.User != nil {
		return "", fmt.Errorf("receiver url %q carries credentials: remove them", redactURL(u))
	}
	if hasAPIKey(u.RawQuery) {
		return "", fmt.Errorf("receiver url %q carries an api_key: remove it and use the api key flag instead", redactURL(u))
	}
	u.Fragment, u.RawFragment = "", ""

	p := u.Path
	trimmed := strings.TrimSuffix(p, "/")
	switch {
	case strings.HasSuffix(trimmed, "/stsAgent/intake"):
		// Kept as it is.
	case strings.HasSuffix(trimmed, "/stsAgent"):
		p = trimmed + "/intake"
	case trimmed == "" && u.Port() == receiverPort:
		p = "/stsAgent/intake"
	case strings.HasSuffix(trimmed, "/receiver"):
		p = trimmed + "/stsAgent/intake"
	default:
		p = trimmed + "/receiver/stsAgent/intake"
	}
	if p != u.Path {
		u.Path, u.RawPath = p, ""
	}
	return u.String(), nil
}

// redactURL returns u as a string with any user information and the value
// of any api_key parameter replaced by config.Redacted.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(config.Redacted)
	}
	if c.RawQuery != "" {
		pairs := strings.Split(c.RawQuery, "&")
		for i, pair := range pairs {
			if isAPIKeyParam(pair) {
				key, _, _ := strings.Cut(pair, "=")
				pairs[i] = key + "=" + config.Redacted
			}
		}
		c.RawQuery = strings.Join(pairs, "&")
	}
	return c.String()
}

// hasAPIKey reports whether the raw query carries an api_key parameter.
func hasAPIKey(rawQuery string) bool {
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if isAPIKeyParam(pair) {
			return true
		}
	}
	return false
}

// isAPIKeyParam reports whether the raw query pair key=value is an api_key
// parameter, escaped or not.
func isAPIKeyParam(pair string) bool {
	key, _, _ := strings.Cut(pair, "=")
	if key == "api_key" {
		return true
	}
	k, err := url.QueryUnescape(key)
	return err == nil && k == "api_key"
}
