// Package file is the file source: records from JSON, NDJSON, YAML and CSV
// files, with the path relative to the mapping file.
//
// A JSON or YAML file is one document; NDJSON gives one document per line
// and CSV one object per row, keyed by the header row. Malformed input fails
// with the data file's own line and column.
package file
