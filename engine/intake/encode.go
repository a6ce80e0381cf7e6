package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Encode writes e to w as compact JSON followed by a newline, in one Write.
// It does not escape HTML characters, so names such as "<a&b>" appear as
// they are. The bytes are those AppendEnvelope appends, which are those
// encoding/json writes.
func Encode(w io.Writer, e *Envelope) error {
	buf := getBuffer()
	defer putBuffer(buf)
	b, err := AppendEnvelope((*buf)[:0], e)
	*buf = b
	if err != nil {
		return err
	}
	*buf = append(*buf, '\n')
	if _, err := w.Write(*buf); err != nil {
		return fmt.Errorf("write envelope: %w", err)
	}
	return nil
}

// EncodeIndent writes e to w like Encode, indented by two spaces for people
// to read.
func EncodeIndent(w io.Writer, e *Envelope) error {
	buf := getBuffer()
	defer putBuffer(buf)
	b, err := AppendEnvelope((*buf)[:0], e)
	*buf = b
	if err != nil {
		return err
	}
	*buf = append(*buf, '\n')
	var out bytes.Buffer
	if err := json.Indent(&out, *buf, "", "  "); err != nil {
		return fmt.Errorf("indent envelope: %w", err)
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("write envelope: %w", err)
	}
	return nil
}

// bufferPool holds the buffers Encode and EncodeIndent encode into.
var bufferPool = sync.Pool{New: func() any { return new([]byte) }}

// getBuffer returns a buffer from the pool.
func getBuffer() *[]byte { return bufferPool.Get().(*[]byte) }

// putBuffer returns buf to the pool unless it grew too large to keep.
func putBuffer(buf *[]byte) {
	if cap(*buf) > 64<<20 {
		return
	}
	bufferPool.Put(buf)
}
