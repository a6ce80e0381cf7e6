package http

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/stackmap/stackmap/engine/source"
)

// series fetches one request and its following pages, emitting the records
// of each page in order.
func (f *fetcher) series(ctx context.Context, client *http.Client, in *source.Input, item any, emit func(page) error) error {
	first, err := f.request(ctx, client, in, item)
	if err != nil {
		return err
	}
	p := f.paginate
	state := pageState{}
	if p != nil {
		switch p.kind {
		case "offset":
			state.offset = p.offset.Start
		case "page":
			state.page = p.page.Start
		}
	}
	req := first
	seen := map[string]bool{}
	for page := 1; ; page++ {
		if p != nil {
			req = f.pageRequest(first, req, p, &state, page)
		}
		res, err := f.do(ctx, client, req, in)
		if err != nil {
			return err
		}
		pg, err := f.records(ctx, in, res)
		if err != nil {
			return fmt.Errorf("records of %s: %w", req.String(), err)
		}
		if err := emit(pg); err != nil {
			return err
		}
		if p == nil {
			return nil
		}
		next, more, err := f.next(ctx, p, &state, res, pg.len(), in)
		if err != nil {
			return fmt.Errorf("paginate after %s: %w", req.String(), err)
		}
		if !more {
			return nil
		}
		if page >= p.maxPages {
			return fmt.Errorf("paginate: reached max_pages (%d) and %s has more pages; raise max_pages if the data really is that large", p.maxPages, first.String())
		}
		if next != "" {
			if seen[next] {
				return fmt.Errorf("paginate: the API sent the same next page twice (%s); stopping to avoid a loop", next)
			}
			seen[next] = true
			state.nextURL = next
		}
	}
}

// pageState is where a series of pages stands.
type pageState struct {
	offset  int
	page    int
	cursor  string
	nextURL string
}

// pageRequest returns the request for page number page (from 1).
func (f *fetcher) pageRequest(first, prev *request, p *paginate, st *pageState, page int) *request {
	switch p.kind {
	case "offset":
		return first.withQuery(map[string]string{
			p.offset.OffsetParam: strconv.Itoa(st.offset),
			p.offset.LimitParam:  strconv.Itoa(p.offset.Limit),
		})
	case "page":
		q := map[string]string{p.page.PageParam: strconv.Itoa(st.page)}
		if p.page.SizeParam != "" && p.page.Size > 0 {
			q[p.page.SizeParam] = strconv.Itoa(p.page.Size)
		}
		return first.withQuery(q)
	case "cursor":
		if page == 1 {
			return first
		}
		return first.withQuery(map[string]string{p.param: st.cursor})
	default: // next_url, link_header
		if page == 1 {
			return first
		}
		return prev.withURL(st.nextURL)
	}
}

// next works out the following page from the response; more is false when
// the series is complete. For next_url and link_header it returns the URL.
func (f *fetcher) next(ctx context.Context, p *paginate, st *pageState, res *response, n int, in *source.Input) (string, bool, error) {
	switch p.kind {
	case "offset":
		if n < p.offset.Limit || n == 0 {
			return "", false, nil
		}
		st.offset += n
		return "", true, nil
	case "page":
		if n == 0 || p.page.Size > 0 && n < p.page.Size {
			return "", false, nil
		}
		st.page++
		return "", true, nil
	case "cursor":
		c, err := f.jqString(ctx, p, res.doc, in)
		if err != nil || c == "" {
			return "", false, err
		}
		if c == st.cursor {
			return "", false, fmt.Errorf("the cursor %q repeats; stopping to avoid a loop", c)
		}
		st.cursor = c
		return "", true, nil
	case "next_url":
		u, err := f.jqString(ctx, p, res.doc, in)
		if err != nil || u == "" {
			return "", false, err
		}
		abs, err := res.url.Parse(u)
		if err != nil {
			return "", false, fmt.Errorf("next_url %q: %w", u, err)
		}
		return abs.String(), true, nil
	case "link_header":
		u := linkRel(res.header.Values("Link"), p.rel)
		if u == "" {
			return "", false, nil
		}
		abs, err := res.url.Parse(u)
		if err != nil {
			return "", false, fmt.Errorf("link header %q: %w", u, err)
		}
		return abs.String(), true, nil
	}
	return "", false, nil
}

// jqString runs the pagination expression on a body; null or "" end the
// series, numbers become their text.
func (f *fetcher) jqString(ctx context.Context, p *paginate, doc any, in *source.Input) (string, error) {
	out, err := p.next.All(ctx, doc, in.Values)
	if err != nil || len(out) == 0 {
		return "", err
	}
	switch v := out[0].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("expected a string, got %v", out[0])
}

// page is the records of one page: as text where the run could split the
// body, else as values.
type page struct {
	raw  [][]byte
	recs []any
	text bool
}

func (p page) len() int {
	if p.text {
		return len(p.raw)
	}
	return len(p.recs)
}

// emit adds the page's records to the run.
func (p page) emit(in *source.Input) error {
	if p.text {
		return in.EmitRaw(p.raw)
	}
	return in.Emit(p.recs)
}

// records returns the records of a page: the body split as text when it is
// JSON and the run can split it, so that pages are held as text and not as
// decoded values; else the records expression run on the decoded body.
func (f *fetcher) records(ctx context.Context, in *source.Input, res *response) (page, error) {
	if f.format == "json" && in.Split != nil && in.EmitRaw != nil {
		// The run keeps the text in its own buffers, off the Go heap; the
		// body and its decoded form are garbage once the page is done.
		body := in.Buffer(len(res.body))
		copy(body, res.body)
		if raw, ok := in.Split(body); ok {
			return page{raw: raw, text: true}, nil
		}
	}
	recs, err := in.Records(ctx, res.doc)
	return page{recs: recs}, err
}
