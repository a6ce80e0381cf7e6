package expr

import (
	"fmt"

	"github.com/itchyny/gojq"
)

// Functions lists the jq functions stackmap adds, for the docs.
var Functions = []struct{ Name, Doc string }{
	{"urn(ns)", `builds an identifier "urn:<ns>:/<input>", such as urn("service") on "shop" → "urn:service:/shop"`},
	{"urn_host", `builds the host identifier "urn:host:/<input>" that StackState agents use`},
	{"nagios_perfdata", perfdataDoc},
}

func functions() []gojq.CompilerOption {
	return []gojq.CompilerOption{
		gojq.WithFunction("urn", 1, 1, func(in any, args []any) any {
			ns, ok := args[0].(string)
			if !ok || ns == "" {
				return fmt.Errorf("urn: the namespace must be a non-empty string, got %s", Describe(args[0], 60))
			}
			return urn(ns, in)
		}),
		gojq.WithFunction("urn_host", 0, 0, func(in any, _ []any) any { return urn("host", in) }),
		perfdataFunction(),
	}
}

func urn(ns string, in any) any {
	s, ok := in.(string)
	if !ok || s == "" {
		return fmt.Errorf("urn: the input must be a non-empty string, got %s", Describe(in, 60))
	}
	return "urn:" + ns + ":/" + s
}
