// Package config loads mapping files: a strict YAML decode in which every
// value keeps its position, defaults, and the one-time expansion of
// ${VAR}, ${VAR:-default} and ${file:PATH} references.
//
// Every problem of a file is collected, not just the first, and each is an
// *Error that prints as "file:line:col: message". Fields that compute are
// kept as Expr (jq source text with a map from byte offsets back to file
// positions, so a jq syntax error can point into a block scalar), fields
// that hold a value as Template. Compiling them is the business of the
// packages that run them; config imports nothing from the engine but
// engine/spell, for "did you mean" suggestions.
package config
