package http

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/stackmap/stackmap/engine/source"
)

// Fetch runs the source: one request series, or one per item of each, in
// item order.
func (f *fetcher) Fetch(ctx context.Context, in *source.Input) error {
	if f.insecure && in.Logger != nil {
		in.Logger.Warn("TLS certificate verification is off (tls.insecure_skip_verify)", "source", f.name)
	}
	client := f.client(in)
	if f.each == nil {
		return f.series(ctx, client, in, nil, func(p page) error { return p.emit(in) })
	}
	items, err := f.each.All(ctx, nil, in.Values)
	if err != nil {
		return fmt.Errorf("each: %w", err)
	}
	return f.fanOut(ctx, client, in, items)
}

// client returns the HTTP client of one fetch: the source's transport,
// wrapped by the run's recorder or replayer when there is one.
func (f *fetcher) client(in *source.Input) *http.Client {
	rt := f.base
	if in.Transport != nil {
		redact := in.Redact
		if redact == nil {
			redact = func(s string) string { return s }
		}
		rt = in.Transport(in.Source, redact, rt)
	}
	return &http.Client{Transport: rt, Timeout: f.timeout}
}

// fanOut runs one request series per item, at most f.workers at a time,
// and emits the records in item order. The first failure cancels the rest.
func (f *fetcher) fanOut(ctx context.Context, client *http.Client, in *source.Input, items []any) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([][]page, len(items)) // per item, its pages
	var (
		once     sync.Once
		firstErr error
	)
	sem := make(chan struct{}, f.workers)
	var wg sync.WaitGroup
	for i, item := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := f.series(ctx, client, in, item, func(p page) error {
				results[i] = append(results[i], p)
				return nil
			})
			if err != nil {
				once.Do(func() {
					firstErr = fmt.Errorf("each item %d: %w", i, err)
					cancel()
				})
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, pages := range results {
		for _, p := range pages {
			if err := p.emit(in); err != nil {
				return err
			}
		}
	}
	return nil
}
