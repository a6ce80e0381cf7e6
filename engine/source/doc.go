// Package source defines how records enter a mapping: the Fetcher
// interface, the registry of source kinds (each kind registers itself in
// init; the CLI imports them all), and Scope, which compiles a source's jq
// and templates with the variables visible at its place in the mapping.
//
// A fetcher hands every document it reads (a file, one line of NDJSON, one
// CSV row, one page of an API) to the mapping, which turns documents into
// records with the source's records expression. Documents are plain JSON
// values, never anything else.
package source
