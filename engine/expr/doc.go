// Package expr compiles and runs the jq of mapping files with gojq.
//
// Every expression is compiled once, when a mapping loads, with the names of
// the variables it may use ($vars, $instance, $now, $state and one per
// earlier source); a run binds their values in the same order. Templates are
// strings with {{ jq }} parts, evaluated the same way; a template that is
// exactly one {{ … }} keeps the JSON type of its value. The environment is
// closed: env and $ENV are rejected at compile time, so secrets reach jq only
// through vars.
//
// Errors carry byte offsets into the expression's source, so the caller can
// point at the file position. The package imports nothing from the engine.
package expr
