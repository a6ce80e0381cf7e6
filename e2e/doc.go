// Package e2e runs the stackmap binary as a user would, against the shipped
// examples and a local receiver. Its tests carry the e2e build tag; run
// them with make e2e, which builds the binary first and passes its path in
// STACKMAP_BIN.
package e2e
