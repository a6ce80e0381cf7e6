// Package receiver is a local StackState intake receiver for development
// and tests. It checks every request as the real receiver does — method,
// path, API key (sts-api-key header or api_key parameter), content type,
// gzip or deflate bodies, a JSON envelope with internalHostname — and
// answers with the real receiver's status codes. Accepted envelopes are kept
// in order, and topology snapshots are applied per instance: a snapshot
// replaces the instance's topology only when its stop_snapshot arrives.
package receiver
