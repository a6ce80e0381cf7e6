// Package spell suggests the known word a misspelt one was meant to be, for
// error messages such as `unknown key "nmae"; did you mean "name"?`.
package spell
