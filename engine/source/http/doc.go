// Package http is the http source: records from HTTP APIs, with templated
// requests, auth (basic, bearer, API keys, tokens from earlier sources,
// OAuth2 client credentials), TLS settings, retries with backoff that honour
// Retry-After, five kinds of pagination, one request per item of an earlier
// source with bounded concurrency, fail_if for APIs that answer errors with
// 200, and a cap on response bodies.
//
// Every page a request returns is one document; the source's records
// expression turns it into records. Nothing partial ever leaves a fetch: a
// failing page fails the source. docs/http-source.md is the user's
// reference.
package http
