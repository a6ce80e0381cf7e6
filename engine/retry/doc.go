// Package retry decides when and how long to wait before trying an HTTP
// request again: exponential backoff with full jitter, capped, honouring
// the server's Retry-After. Both the http source and the StackState sink
// use it.
package retry
