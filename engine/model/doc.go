// Package model holds the 4T elements a mapping produces — components,
// relations, metrics, events and health states — and the rules every one of
// them must satisfy before it may be sent to StackState.
//
// Elements are built from the JSON objects that a rule's jq emits: Parse
// checks the keys (an unknown key names the closest known one), the types and
// the formats of the receiver reference (labels, health values, reserved
// metric names), and fills in what has a default. A Batch is everything one run
// of one mapping produced; Check reports what is wrong across elements, such
// as duplicate ids and relations whose endpoints are not in the snapshot.
//
// The package imports nothing from the engine, so that every other part may
// use it.
package model
