package http

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"go.yaml.in/yaml/v3"
)

// Spec is the http source's settings, as a mapping writes them.
type Spec struct {
	Pos         config.Pos                 `yaml:"-"`
	URL         config.Template            `yaml:"url" required:"true" doc:"The URL; a template. query is added to its query string." example:"\"{{ $vars.base }}/api/now/table/cmdb_ci\""`
	Method      config.String              `yaml:"method" doc:"GET (default), POST, PUT, PATCH, DELETE or HEAD." example:"\"POST\""`
	Query       map[string]config.Template `yaml:"query" doc:"Query parameters; templates. A list adds the parameter once per item; null leaves it out." example:"{\"sysparm_display_value\": \"all\", \"sysparm_query\": \"ORDERBYsys_created_on\"}"`
	Headers     map[string]config.Template `yaml:"headers" doc:"Request headers; templates. null leaves a header out." example:"{\"Content-Type\": \"application/json-rpc\"}"`
	Body        *Body                      `yaml:"body" doc:"The request body: one of json, form or raw." example:"{\"json\": {\"jsonrpc\": \"2.0\", \"method\": \"host.get\", \"params\": {}, \"id\": 1}}"`
	Auth        *Auth                      `yaml:"auth" doc:"Authentication: one of basic, bearer, api_key, token or oauth2. Every value is a secret." example:"{\"basic\": {\"username\": \"{{ $vars.user }}\", \"password\": \"{{ $vars.password }}\"}}"`
	TLS         *TLS                       `yaml:"tls" doc:"TLS settings; default: the system's roots." example:"{\"ca_file\": \"ca.pem\"}"`
	Timeout     time.Duration              `yaml:"timeout" doc:"Limit for one request, retries included. Default 30s." example:"\"30s\""`
	Retry       *Retry                     `yaml:"retry" doc:"Retries of transport errors, 408, 429 and 5xx. Default: 4 attempts, 500ms doubling up to 30s, with jitter; Retry-After is honoured." example:"{\"attempts\": 4, \"initial\": \"500ms\", \"max\": \"30s\"}"`
	Paginate    *Paginate                  `yaml:"paginate" doc:"Pagination: one of offset, page, cursor, next_url or link_header, plus max_pages." example:"{\"offset\": {\"offset_param\": \"sysparm_offset\", \"limit_param\": \"sysparm_limit\", \"limit\": 1000}}"`
	Each        config.Expr                `yaml:"each" doc:"jq whose outputs are items of earlier sources: one request (or paginated series) per item, with . = the item in templates." example:"\"$problems[]\""`
	Concurrency int                        `yaml:"concurrency" doc:"Requests of an each fan-out in flight at once, 1 to 64. Default 4." example:"4"`
	FailIf      config.Expr                `yaml:"fail_if" doc:"jq run on every parsed body; anything but false or null fails the source (a string output is the message). Zabbix: .error; Nagios: .result.type_code != 0." example:"\".error != null\""`
	Format      string                     `yaml:"format" enum:"json,ndjson,csv" doc:"How bodies are parsed: json (default), ndjson (a page is the list of its lines) or csv (a page is the list of its rows)." example:"\"ndjson\""`
	MaxBody     ByteSize                   `yaml:"max_body" doc:"Largest body accepted, such as 64MiB (the default), 512KiB or 1000000." example:"\"128MiB\""`
}

// Body is the request body.
type Body struct {
	Pos  config.Pos                 `yaml:"-"`
	JSON *config.Template           `yaml:"json" doc:"A JSON body; a template. Content-Type: application/json unless headers set one." example:"{\"method\": \"host.get\"}"`
	Form map[string]config.Template `yaml:"form" doc:"A form body (application/x-www-form-urlencoded); templates." example:"{\"grant_type\": \"client_credentials\"}"`
	Raw  *config.Template           `yaml:"raw" doc:"A body sent as it is; a template string. Set Content-Type in headers." example:"\"<query/>\""`
}

// Auth is how requests authenticate.
type Auth struct {
	Pos    config.Pos       `yaml:"-"`
	Basic  *BasicAuth       `yaml:"basic" doc:"HTTP Basic authentication." example:"{\"username\": \"admin\", \"password\": \"{{ $vars.password }}\"}"`
	Bearer *config.Template `yaml:"bearer" doc:"A bearer token: Authorization: Bearer <token>." example:"\"{{ $vars.token }}\""`
	APIKey *APIKeyAuth      `yaml:"api_key" doc:"An API key in a header or a query parameter." example:"{\"header\": \"X-Api-Key\", \"value\": \"{{ $vars.key }}\"}"`
	Token  *TokenAuth       `yaml:"token" doc:"A token, typically from an earlier login source, placed in a header, a query parameter or the JSON body." example:"{\"value\": \"{{ $login[0] }}\", \"in\": \"body\", \"name\": \"auth\"}"`
	OAuth2 *OAuth2Auth      `yaml:"oauth2" doc:"OAuth2 client credentials; the token is cached until it expires." example:"{\"token_url\": \"https://idp.example.com/oauth/token\", \"client_id\": \"stackmap\", \"client_secret\": \"{{ $vars.secret }}\"}"`
}

// BasicAuth is HTTP Basic authentication.
type BasicAuth struct {
	Username config.Template `yaml:"username" required:"true" doc:"The user name; a template." example:"\"{{ $vars.user }}\""`
	Password config.Template `yaml:"password" required:"true" doc:"The password; a template." example:"\"{{ $vars.password }}\""`
}

// APIKeyAuth puts a key in a header or a query parameter.
type APIKeyAuth struct {
	Pos    config.Pos      `yaml:"-"`
	Header string          `yaml:"header" doc:"The header that carries the key, such as X-Api-Key." example:"\"X-Api-Key\""`
	Query  string          `yaml:"query" doc:"The query parameter that carries the key, such as api_key." example:"\"api_key\""`
	Value  config.Template `yaml:"value" required:"true" doc:"The key; a template." example:"\"{{ $vars.api_key }}\""`
}

// TokenAuth places a token where the API wants it.
type TokenAuth struct {
	Value  config.Template `yaml:"value" required:"true" doc:"The token, such as {{ $login[0] }}; a template." example:"\"{{ $login[0] }}\""`
	In     config.Template `yaml:"in" doc:"header (default), query or body; a template, so a var can choose." example:"\"{{ if $vars.placement == \\\"header\\\" then \\\"header\\\" else \\\"body\\\" end }}\""`
	Name   config.Template `yaml:"name" doc:"The header, parameter or body field. Default: Authorization for a header, token otherwise." example:"\"auth\""`
	Prefix config.Template `yaml:"prefix" doc:"Text before the token. Default: \"Bearer \" in the Authorization header, none elsewhere." example:"\"Bearer \""`
}

// OAuth2Auth is the OAuth2 client credentials flow.
type OAuth2Auth struct {
	TokenURL     config.Template            `yaml:"token_url" required:"true" doc:"The token endpoint." example:"\"https://idp.example.com/oauth/token\""`
	ClientID     config.Template            `yaml:"client_id" required:"true" doc:"The client id." example:"\"stackmap\""`
	ClientSecret config.Template            `yaml:"client_secret" required:"true" doc:"The client secret." example:"\"{{ $vars.client_secret }}\""`
	Scopes       []string                   `yaml:"scopes" doc:"Scopes to ask for." example:"[\"cmdb.read\"]"`
	Params       map[string]config.Template `yaml:"params" doc:"Extra parameters of the token request, such as audience." example:"{\"audience\": \"https://cmdb.example.com\"}"`
}

// TLS are the TLS settings.
type TLS struct {
	CAFile             string `yaml:"ca_file" doc:"A PEM bundle of CAs to trust besides the system's; relative to the mapping file." example:"\"certs/ca.pem\""`
	CertFile           string `yaml:"cert_file" doc:"A PEM client certificate; needs key_file." example:"\"certs/client.pem\""`
	KeyFile            string `yaml:"key_file" doc:"The PEM key of cert_file." example:"\"certs/client-key.pem\""`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify" doc:"Do not verify the server's certificate. Logged as a warning on every run." example:"false"`
	ServerName         string `yaml:"server_name" doc:"The name to verify the certificate against, when it differs from the URL's host." example:"\"cmdb.internal.example.com\""`
}

// Retry are the retry settings.
type Retry struct {
	Attempts int           `yaml:"attempts" doc:"Tries in all, 1 to 20; 1 turns retries off. Default 4." example:"6"`
	Initial  time.Duration `yaml:"initial" doc:"First wait, doubled on every retry. Default 500ms."`
	Max      time.Duration `yaml:"max" doc:"Longest wait, also the cap on Retry-After. Default 30s."`
}

// Paginate selects one kind of pagination.
type Paginate struct {
	Pos        config.Pos  `yaml:"-"`
	Offset     *Offset     `yaml:"offset" doc:"offset/limit parameters; stops on a page with fewer records than limit." example:"{\"offset_param\": \"sysparm_offset\", \"limit_param\": \"sysparm_limit\", \"limit\": 1000}"`
	Page       *PageNumber `yaml:"page" doc:"A page number parameter; stops on a short or empty page." example:"{\"page_param\": \"page\", \"size_param\": \"per_page\", \"size\": 100}"`
	Cursor     *Cursor     `yaml:"cursor" doc:"A cursor taken from the body by jq and sent as a parameter; stops when it is null or empty." example:"{\"param\": \"nextPageKey\", \"next\": \".nextPageKey\"}"`
	NextURL    config.Expr `yaml:"next_url" doc:"jq on the body yielding the next page's URL; stops when it is null or empty." example:"\".links.next\""`
	LinkHeader string      `yaml:"link_header" doc:"Follow the Link header with this rel (usually next)." example:"\"next\""`
	MaxPages   int         `yaml:"max_pages" doc:"Most pages per request series, default 1000; reaching it with more to come fails the source." example:"5000"`
}

// Offset is offset/limit pagination.
type Offset struct {
	OffsetParam string `yaml:"offset_param" required:"true" doc:"The offset parameter, such as sysparm_offset." example:"\"sysparm_offset\""`
	LimitParam  string `yaml:"limit_param" required:"true" doc:"The page size parameter, such as sysparm_limit." example:"\"sysparm_limit\""`
	Limit       int    `yaml:"limit" required:"true" doc:"The page size." example:"1000"`
	Start       int    `yaml:"start" doc:"The first offset. Default 0." example:"0"`
}

// PageNumber is page-number pagination.
type PageNumber struct {
	PageParam string `yaml:"page_param" required:"true" doc:"The page number parameter." example:"\"page\""`
	SizeParam string `yaml:"size_param" doc:"The page size parameter, if the API takes one." example:"\"per_page\""`
	Size      int    `yaml:"size" doc:"The page size; with it a short page ends the series, without it an empty one." example:"100"`
	Start     int    `yaml:"start" doc:"The first page number. Default 1." example:"1"`
}

// Cursor is cursor pagination.
type Cursor struct {
	Param string      `yaml:"param" required:"true" doc:"The parameter that carries the cursor, such as nextPageKey." example:"\"nextPageKey\""`
	Next  config.Expr `yaml:"next" required:"true" doc:"jq on the body yielding the next cursor, such as .nextPageKey." example:"\".nextPageKey\""`
}

// ByteSize is a size in bytes, written as 1000000, 512KiB, 64MiB or 1GiB.
type ByteSize int64

// JSONSchema describes a size for editors.
func (ByteSize) JSONSchema() map[string]any {
	return map[string]any{
		"type": []any{"integer", "string"}, "pattern": `^[0-9]+ ?(B|KB|MB|GB|KiB|MiB|GiB)?$`,
		"examples": []any{"64MiB", "512KiB", 1000000},
	}
}

// UnmarshalNode decodes a size.
func (b *ByteSize) UnmarshalNode(d *config.Decoder, n *yaml.Node) {
	s, ok := d.Scalar(n)
	if !ok {
		return
	}
	v, err := parseSize(s)
	if err != nil {
		d.Errorf(n, "%v", err)
		return
	}
	*b = ByteSize(v)
}

func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mul    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	t := strings.TrimSpace(s)
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mul = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size; write it as 1000000, 512KiB, 64MiB or 1GiB", s)
	}
	return n * mul, nil
}
