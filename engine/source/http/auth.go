package http

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/stackmap/stackmap/engine/expr"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// auth is compiled authentication: exactly one kind is set.
type auth struct {
	basicUser, basicPass *expr.Template
	bearer               *expr.Template
	keyHeader, keyQuery  string
	keyValue             *expr.Template
	token                *tokenAuth
	oauth                *oauthAuth
}

type tokenAuth struct {
	value, in, name, prefix *expr.Template
}

type oauthAuth struct {
	tokenURL, clientID, secret *expr.Template
	scopes                     []string
	params                     []param

	mu      sync.Mutex
	sources map[string]oauth2.TokenSource // by token URL, client id and secret
}

func (c compiler) auth(a *Auth) *auth {
	if a == nil {
		return nil
	}
	out := &auth{}
	n := 0
	if a.Basic != nil {
		n++
		out.basicUser, out.basicPass = c.template(a.Basic.Username), c.template(a.Basic.Password)
	}
	if a.Bearer != nil {
		n++
		out.bearer = c.template(*a.Bearer)
	}
	if k := a.APIKey; k != nil {
		n++
		if (k.Header == "") == (k.Query == "") {
			c.errs.Add(k.Pos, "auth.api_key takes one of header or query")
		}
		out.keyHeader, out.keyQuery, out.keyValue = k.Header, k.Query, c.template(k.Value)
	}
	if t := a.Token; t != nil {
		n++
		out.token = &tokenAuth{value: c.template(t.Value), in: c.template(t.In), name: c.template(t.Name), prefix: c.template(t.Prefix)}
	}
	if o := a.OAuth2; o != nil {
		n++
		out.oauth = &oauthAuth{
			tokenURL: c.template(o.TokenURL), clientID: c.template(o.ClientID), secret: c.template(o.ClientSecret),
			scopes: o.Scopes, params: c.params(o.Params), sources: map[string]oauth2.TokenSource{},
		}
	}
	if n != 1 {
		c.errs.Add(a.Pos, "auth takes exactly one of basic, bearer, api_key, token or oauth2")
	}
	return out
}

// evalString evaluates an optional template to a string; def when unset.
func evalString(ctx context.Context, t *expr.Template, item any, values []any, def string) (string, error) {
	if t == nil {
		return def, nil
	}
	v, err := t.Eval(ctx, item, values)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case nil:
		return def, nil
	case string:
		return v, nil
	}
	b, err := expr.Marshal(v)
	return string(b), err
}

// apply authenticates req. jsonBody is the request's JSON body object, for
// a token placed in the body; secret marks the values used.
func (a *auth) apply(ctx context.Context, req *http.Request, jsonBody map[string]any, client *http.Client, item any, values []any, secret func(string)) error {
	str := func(t *expr.Template, what string) (string, error) {
		s, err := evalString(ctx, t, item, values, "")
		if err != nil {
			return "", fmt.Errorf("auth %s: %w", what, err)
		}
		return s, nil
	}
	switch {
	case a.basicUser != nil:
		user, err := str(a.basicUser, "basic username")
		if err != nil {
			return err
		}
		pass, err := str(a.basicPass, "basic password")
		if err != nil {
			return err
		}
		secret(pass)
		// The header's base64 form too: servers echo it in error bodies.
		secret(base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)))
		req.SetBasicAuth(user, pass)
	case a.bearer != nil:
		tok, err := str(a.bearer, "bearer")
		if err != nil {
			return err
		}
		secret(tok)
		req.Header.Set("Authorization", "Bearer "+tok)
	case a.keyValue != nil:
		key, err := str(a.keyValue, "api_key value")
		if err != nil {
			return err
		}
		secret(key)
		if a.keyHeader != "" {
			req.Header.Set(a.keyHeader, key)
		} else {
			q := req.URL.Query()
			q.Set(a.keyQuery, key)
			req.URL.RawQuery = q.Encode()
		}
	case a.token != nil:
		return a.token.apply(ctx, req, jsonBody, item, values, secret)
	case a.oauth != nil:
		return a.oauth.apply(ctx, req, client, item, values, secret)
	}
	return nil
}

func (t *tokenAuth) apply(ctx context.Context, req *http.Request, jsonBody map[string]any, item any, values []any, secret func(string)) error {
	val, err := evalString(ctx, t.value, item, values, "")
	if err != nil {
		return fmt.Errorf("auth token value: %w", err)
	}
	if val == "" {
		return fmt.Errorf("auth token value is empty; did the login source yield a token?")
	}
	secret(val)
	in, err := evalString(ctx, t.in, item, values, "header")
	if err != nil {
		return fmt.Errorf("auth token in: %w", err)
	}
	defName, defPrefix := "token", ""
	if in == "header" {
		defName, defPrefix = "Authorization", "Bearer "
	}
	name, err := evalString(ctx, t.name, item, values, defName)
	if err != nil {
		return fmt.Errorf("auth token name: %w", err)
	}
	if name != "Authorization" && t.prefix == nil {
		defPrefix = ""
	}
	prefix, err := evalString(ctx, t.prefix, item, values, defPrefix)
	if err != nil {
		return fmt.Errorf("auth token prefix: %w", err)
	}
	switch in {
	case "header":
		req.Header.Set(name, prefix+val)
	case "query":
		q := req.URL.Query()
		q.Set(name, prefix+val)
		req.URL.RawQuery = q.Encode()
	case "body":
		if jsonBody == nil {
			return fmt.Errorf("auth token in: body needs a JSON object body (body: {json: {…}})")
		}
		jsonBody[name] = prefix + val
	default:
		return fmt.Errorf("auth token in must be header, query or body, not %q", in)
	}
	return nil
}

func (o *oauthAuth) apply(ctx context.Context, req *http.Request, client *http.Client, item any, values []any, secret func(string)) error {
	tokenURL, err := evalString(ctx, o.tokenURL, item, values, "")
	if err != nil {
		return fmt.Errorf("auth oauth2 token_url: %w", err)
	}
	id, err := evalString(ctx, o.clientID, item, values, "")
	if err != nil {
		return fmt.Errorf("auth oauth2 client_id: %w", err)
	}
	sec, err := evalString(ctx, o.secret, item, values, "")
	if err != nil {
		return fmt.Errorf("auth oauth2 client_secret: %w", err)
	}
	secret(sec)
	params := url.Values{}
	for _, p := range o.params {
		v, err := evalString(ctx, p.val, item, values, "")
		if err != nil {
			return fmt.Errorf("auth oauth2 params %s: %w", p.name, err)
		}
		params.Set(p.name, v)
	}
	key := tokenURL + "\x00" + id + "\x00" + sec + "\x00" + params.Encode()
	o.mu.Lock()
	ts, ok := o.sources[key]
	if !ok {
		cc := clientcredentials.Config{ClientID: id, ClientSecret: sec, TokenURL: tokenURL, Scopes: o.scopes, EndpointParams: params}
		ts = cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, client))
		o.sources[key] = ts
	}
	o.mu.Unlock()
	tok, err := ts.Token()
	if err != nil {
		return fmt.Errorf("auth oauth2: get a token from %s: %w", tokenURL, err)
	}
	secret(tok.AccessToken)
	tok.SetAuthHeader(req)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// snippet returns the first bytes of b on one line, for error messages.
func snippet(b []byte) string {
	const n = 200
	s := string(b)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}
