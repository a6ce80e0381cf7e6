package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/stackmap/stackmap/engine/expr"
)

// DecodeNDJSON reads newline-delimited JSON and calls emit with the value
// of every non-blank line; errors name the line.
func DecodeNDJSON(ctx context.Context, rd io.Reader, emit func(any) error) error {
	r := bufio.NewReaderSize(rd, 64<<10)
	line := 0
	for {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 {
			line++
			if t := bytes.TrimSpace(b); len(t) > 0 {
				v, derr := expr.DecodeJSON(t)
				if derr != nil {
					return fmt.Errorf("line %d: %w", line, derr)
				}
				if eerr := emit(v); eerr != nil {
					return eerr
				}
			}
			if line%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// DecodeCSV reads CSV whose first row names the keys and calls emit with
// one object per row, every value a string. Header names must be present
// and unique; errors name the line.
func DecodeCSV(ctx context.Context, r io.Reader, delim rune, emit func(any) error) error {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	keys := make([]string, len(header))
	seen := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			return fmt.Errorf("header column %d has no name", i+1)
		}
		if j, dup := seen[h]; dup {
			return fmt.Errorf("header columns %d and %d are both named %q", j+1, i+1, h)
		}
		seen[h] = i
		keys[i] = h
	}
	for n := 0; ; n++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		rec := make(map[string]any, len(keys))
		for i, k := range keys {
			rec[k] = row[i]
		}
		if err := emit(rec); err != nil {
			return err
		}
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
