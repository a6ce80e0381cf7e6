package intake

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/stackmap/stackmap/engine/model"
)

// Assembler streams the envelopes of one batch: it takes the elements one by
// one, in batch order, and hands every envelope to its out function as soon
// as the envelope is complete, encoded as compact JSON. The envelopes are
// byte for byte those Build makes of the same batch with the same Options,
// encoded by Encode without the newline, but the batch never has to be held
// in memory: components and relations can be handed over as the rules make
// them, as wire forms from AppendComponent and AppendRelation, and the
// Assembler keeps no more than the envelope it is filling.
//
// The last envelope carrying topology stops the topology snapshot, so a
// full envelope is handed out only when the next element or Finish shows
// whether more topology follows. One case needs more: when Start announces
// health rules, the first envelope carries an empty health snapshot if the
// batch turns out to have no check states, which only Finish tells. Until
// then the first envelope is held and those after it are spilled to an
// unnamed temporary file, so that memory still holds no more than the held
// envelope, the one being filled and the one being written.
//
// An Assembler is used by one goroutine: NewAssembler, Start, any number of
// Component calls followed by any number of Relation calls, and Finish.
// After a failure every later call returns the same error.
type Assembler struct {
	mapping string
	opt     resolved
	out     func(parts ...[]byte) error
	// cuts and parts are reused by emitChunk.
	cuts  []part
	parts [][]byte

	started, finished bool
	err               error

	topology, health bool
	// decided is set once Finish knows whether the first envelope carries
	// an empty topology or health snapshot.
	decided bool
	inst    model.Instance
	urn     string
	start   StartSnapshot
	head    []byte // the envelope up to the value of its events

	cur   *chunk // the envelope being filled
	held  *chunk // the first envelope, while its health part is unknown
	spill *spill // the envelopes after a held one

	components, relations int
	envelopes             int // envelopes completed: handed out, held or spilled
	chunks                int // envelopes handed out
	topoStarted           bool
	healthStarted         bool

	digest *xxhash.Digest
	buf    []byte // the envelope being handed out
}

// chunk is the content of one envelope: the wire forms of its elements,
// comma-separated, per part of the envelope.
type chunk struct {
	n       int // elements
	comps   []byte
	rels    []byte
	states  []byte
	metrics []byte
	groups  []eventGroup   // events by source, in the order of first use
	index   map[string]int // source to its group in groups

	// The parts of the envelope, set when it is complete.
	topo, topoStart, topoStop       bool
	health, healthStart, healthStop bool
	// emptyTopo and emptyHealth put an empty, complete snapshot into the
	// first envelope of a batch without components and relations or
	// without check states.
	emptyTopo, emptyHealth bool
}

// eventGroup holds the events of one source in an envelope.
type eventGroup struct {
	source string
	events []byte
}

// kind is the kind of an element, in the order elements fill envelopes.
type kind int

const (
	kindNone kind = iota // no element: the batch ends
	kindComponent
	kindRelation
	kindState
	kindMetric
	kindEvent
)

// NewAssembler returns an Assembler that hands the envelopes of a batch of
// mapping, built with opt, to out. out receives each envelope as compact
// JSON without a trailing newline, in order, and must not keep the slice
// after it returns; its error stops the Assembler and is returned as it is.
// It fails on invalid options, as Build does, and on a nil out.
func NewAssembler(mapping string, opt Options, out func(parts ...[]byte) error) (*Assembler, error) {
	r, err := opt.resolve()
	if err != nil {
		return nil, fmt.Errorf("assemble envelopes of mapping %q: %w", mapping, err)
	}
	if out == nil {
		return nil, fmt.Errorf("assemble envelopes of mapping %q: no function takes the envelopes", mapping)
	}
	return &Assembler{
		mapping: mapping,
		opt:     r,
		out:     out,
		urn:     HealthStreamURN(mapping),
		start:   StartSnapshot{RepeatIntervalS: r.repeatS},
		head:    appendEnvelopeHead(nil, r.timestamp, r.hostname),
		cur:     getChunk(),
		digest:  xxhash.New(),
	}, nil
}

// chunkPool holds empty chunks whose buffers have grown, so that the runs
// of a daemon do not grow them anew.
var chunkPool = sync.Pool{New: func() any { return &chunk{index: map[string]int{}} }}

// getChunk returns an empty chunk.
func getChunk() *chunk { return chunkPool.Get().(*chunk) }

// putChunk empties c and puts it back into the pool.
func putChunk(c *chunk) {
	c.reset()
	chunkPool.Put(c)
}

// Start begins the batch of the topology instance inst, before any
// element. topology and health are Batch.Topology and Batch.Health: whether
// the mapping has topology rules and health rules, so that a batch without
// components and relations, or without check states, still sends an empty
// snapshot. It fails on an empty instance type or URL, as Build does.
func (a *Assembler) Start(inst model.Instance, topology, health bool) error {
	if a.err != nil {
		return a.err
	}
	if a.started {
		return a.fail(errors.New("started twice"))
	}
	if inst.Type == "" {
		return a.fail(errors.New("instance type is empty"))
	}
	if inst.URL == "" {
		return a.fail(errors.New("instance url is empty"))
	}
	a.started = true
	a.inst = inst
	a.topology = topology
	a.health = health
	return nil
}

// Component adds the next component, in its wire form from AppendComponent.
// Components come before relations. The Assembler copies wire, so the
// caller may reuse it.
func (a *Assembler) Component(wire []byte) error {
	if err := a.ready(); err != nil {
		return err
	}
	if a.relations > 0 {
		return a.fail(errors.New("component after relations: components come first"))
	}
	if len(wire) == 0 {
		return a.fail(errors.New("empty component"))
	}
	if err := a.room(kindComponent); err != nil {
		return err
	}
	a.cur.comps = a.appendElement(a.cur.comps, wire)
	a.added()
	a.components++
	a.digest.Write(wire)
	return nil
}

// Relation adds the next relation, in its wire form from AppendRelation.
// The Assembler copies wire, so the caller may reuse it.
func (a *Assembler) Relation(wire []byte) error {
	if err := a.ready(); err != nil {
		return err
	}
	if len(wire) == 0 {
		return a.fail(errors.New("empty relation"))
	}
	if err := a.room(kindRelation); err != nil {
		return err
	}
	a.cur.rels = a.appendElement(a.cur.rels, wire)
	a.added()
	a.relations++
	a.digest.Write(wire)
	return nil
}

// Finish adds the rest of the batch and hands out every envelope not handed
// out yet: b.Components and b.Relations after those added already, then
// b.HealthStates, b.Metrics and b.Events. b's mapping, instance and flags
// are not used, since NewAssembler and Start gave them; b may be nil when
// nothing remains. Components in b after relations were added fail.
func (a *Assembler) Finish(b *model.Batch) error {
	if err := a.ready(); err != nil {
		a.release()
		return err
	}
	a.finished = true
	defer a.release()
	if b == nil {
		b = &model.Batch{}
	}
	if len(b.Components) > 0 && a.relations > 0 {
		return a.fail(errors.New("component after relations: components come first"))
	}

	a.decided = true
	emptyTopo := a.topology && a.components+a.relations+len(b.Components)+len(b.Relations) == 0
	emptyHealth := a.health && len(b.HealthStates) == 0
	switch {
	case a.held != nil:
		if err := a.release1st(emptyHealth); err != nil {
			return err
		}
	case a.envelopes == 0:
		a.cur.emptyTopo = emptyTopo
		a.cur.emptyHealth = emptyHealth
	}

	var err error
	for i := range b.Components {
		if err := a.room(kindComponent); err != nil {
			return err
		}
		c := a.cur
		n := len(c.comps)
		if c.comps, err = AppendComponent(appendComma(c.comps), &b.Components[i]); err != nil {
			c.comps = c.comps[:n]
			return a.fail(err)
		}
		a.digest.Write(c.comps[n+min(n, 1):])
		a.added()
		a.components++
	}
	for i := range b.Relations {
		if err := a.room(kindRelation); err != nil {
			return err
		}
		c := a.cur
		n := len(c.rels)
		if c.rels, err = AppendRelation(appendComma(c.rels), &b.Relations[i]); err != nil {
			c.rels = c.rels[:n]
			return a.fail(err)
		}
		a.digest.Write(c.rels[n+min(n, 1):])
		a.added()
		a.relations++
	}
	for i := range b.HealthStates {
		if err := a.room(kindState); err != nil {
			return err
		}
		a.cur.states, _ = AppendCheckState(appendComma(a.cur.states), &b.HealthStates[i])
		a.added()
	}
	for i := range b.Metrics {
		if err := a.room(kindMetric); err != nil {
			return err
		}
		c := a.cur
		n := len(c.metrics)
		if c.metrics, err = AppendMetric(appendComma(c.metrics), &b.Metrics[i], a.opt.hostname); err != nil {
			c.metrics = c.metrics[:n]
			return a.fail(err)
		}
		a.added()
	}
	for i := range b.Events {
		ev := &b.Events[i]
		if err := a.room(kindEvent); err != nil {
			return err
		}
		g := a.cur.group(ev.Source)
		n := len(g.events)
		if g.events, err = AppendEvent(appendComma(g.events), ev); err != nil {
			g.events = g.events[:n]
			return a.fail(err)
		}
		a.added()
	}
	if a.cur.n > 0 || a.envelopes == 0 {
		return a.complete(kindNone)
	}
	return nil
}

// Close releases what an Assembler abandoned before Finish holds, such as
// its temporary file; later calls fail. It is a no-op after Finish, which
// releases everything itself, and needed only where the system does not
// let an open file be removed.
func (a *Assembler) Close() {
	if !a.finished {
		a.finished = true
		if a.err == nil {
			a.err = fmt.Errorf("assemble envelopes of mapping %q: closed", a.mapping)
		}
	}
	a.release()
}

// Digest returns the hex 64-bit xxHash (XXH64) of the wire forms of every
// component and relation added so far, in order, concatenated without
// separators: a fingerprint of the topology for the state file. It tells
// whether a snapshot changed, which needs no cryptographic hash; XXH64
// hashes over ten times faster than SHA-256, on the goroutine that takes
// elements in order.
func (a *Assembler) Digest() string {
	return hex.EncodeToString(a.digest.Sum(nil))
}

// Components returns the number of components added so far.
func (a *Assembler) Components() int { return a.components }

// Relations returns the number of relations added so far.
func (a *Assembler) Relations() int { return a.relations }

// Chunks returns the number of envelopes handed to out so far; after Finish,
// the number of envelopes of the batch.
func (a *Assembler) Chunks() int { return a.chunks }

// ready fails unless elements may be added.
func (a *Assembler) ready() error {
	switch {
	case a.err != nil:
		return a.err
	case !a.started:
		return a.fail(errors.New("element or finish before Start"))
	case a.finished:
		return a.fail(errors.New("element or finish after Finish"))
	}
	return nil
}

// fail records err, prefixed with the mapping, as the Assembler's error and
// returns it.
func (a *Assembler) fail(err error) error {
	a.err = fmt.Errorf("assemble envelopes of mapping %q: %w", a.mapping, err)
	return a.err
}

// room completes the current envelope if it is full, before an element of
// kind next is added.
func (a *Assembler) room(next kind) error {
	if a.cur.n < a.opt.chunkSize {
		return nil
	}
	return a.complete(next)
}

// added counts an element added to the current envelope.
func (a *Assembler) added() { a.cur.n++ }

// complete ends the current envelope, of which next tells the kind of the
// element after it, and hands it out, holds it or spills it.
func (a *Assembler) complete(next kind) error {
	c := a.cur
	if len(c.comps)+len(c.rels) > 0 {
		c.topo = true
		c.topoStart = !a.topoStarted
		c.topoStop = next != kindComponent && next != kindRelation
		a.topoStarted = true
	}
	if len(c.states) > 0 {
		c.health = true
		c.healthStart = !a.healthStarted
		c.healthStop = next != kindState
		a.healthStarted = true
	}
	first := a.envelopes == 0
	a.envelopes++
	switch {
	case first && !a.decided && a.health:
		// Only Finish tells whether this envelope carries an empty health
		// snapshot; hold it, and fill a new one.
		a.held = c
		a.cur = getChunk()
		return nil
	case a.held != nil:
		a.buf = a.render(a.buffer(), c, nil)
		c.reset()
		if a.spill == nil {
			s, err := newSpill()
			if err != nil {
				return a.fail(err)
			}
			a.spill = s
		}
		if err := a.spill.write(a.buf); err != nil {
			return a.fail(err)
		}
		return nil
	}
	err := a.emitChunk(c)
	c.reset()
	return err
}

// release1st hands out the held first envelope, with an empty health
// snapshot when emptyHealth, and then the spilled ones.
func (a *Assembler) release1st(emptyHealth bool) error {
	a.held.emptyHealth = emptyHealth
	err := a.emitChunk(a.held)
	a.held = nil
	if err != nil {
		return err
	}
	if a.spill == nil {
		return nil
	}
	a.buf, err = a.spill.replay(a.buf, func(b []byte) error { return a.emit(b) })
	a.spill.close()
	a.spill = nil
	if err != nil && a.err == nil {
		return a.fail(err)
	}
	return err
}

// buffer returns the empty buffer envelopes are rendered into.
func (a *Assembler) buffer() []byte {
	if a.buf == nil {
		a.buf = *getBuffer()
	}
	return a.buf[:0]
}

// part is an element buffer that goes into an envelope at offset at of
// the rest, which render wrote, as a part of its own.
type part struct {
	at int
	b  []byte
}

// minPart is the size from which render leaves an element buffer out of
// the envelope's buffer, as a part of its own, rather than copy it: the
// components of a full envelope are megabytes. Tests lower it.
var minPart = 64 << 10

// emitChunk renders c, with its large element buffers as parts of their
// own, and hands the envelope to out. c must not change until it returns.
func (a *Assembler) emitChunk(c *chunk) error {
	a.cuts = a.cuts[:0]
	a.buf = a.render(a.buffer(), c, &a.cuts)
	parts, prev := a.parts[:0], 0
	for _, p := range a.cuts {
		parts = append(parts, a.buf[prev:p.at], p.b)
		prev = p.at
	}
	a.parts = append(parts, a.buf[prev:])
	err := a.emit(a.parts...)
	clear(a.cuts) // let go of c's buffers
	clear(a.parts)
	return err
}

// emit hands the parts of an envelope to out.
func (a *Assembler) emit(parts ...[]byte) error {
	a.chunks++
	if err := a.out(parts...); err != nil {
		a.err = err
		return err
	}
	return nil
}

// release gives back the buffers and drops the temporary file.
func (a *Assembler) release() {
	if a.spill != nil {
		a.spill.close()
		a.spill = nil
	}
	for _, c := range []*chunk{a.cur, a.held} {
		if c != nil {
			putChunk(c)
		}
	}
	if a.buf != nil {
		buf := a.buf
		putBuffer(&buf)
	}
	a.cur, a.held, a.buf = nil, nil, nil
}

// render appends the envelope of c to dst.
//
// With cuts, element buffers of minPart bytes or more are not copied into
// dst: each goes into cuts, with where in dst it belongs.
func (a *Assembler) render(dst []byte, c *chunk, cuts *[]part) []byte {
	elements := func(dst, b []byte) []byte {
		if cuts != nil && len(b) >= minPart {
			*cuts = append(*cuts, part{at: len(dst), b: b})
			return dst
		}
		return append(dst, b...)
	}
	size := len(a.head) + 1024
	for _, b := range [][]byte{c.metrics, c.states, c.comps, c.rels} {
		if cuts == nil || len(b) < minPart {
			size += len(b)
		}
	}
	dst = slices.Grow(dst, size)
	dst = append(dst, a.head...)
	dst = append(dst, '{')
	if len(c.groups) > 1 {
		slices.SortFunc(c.groups, func(x, y eventGroup) int { return cmp.Compare(x.source, y.source) })
	}
	for i := range c.groups {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, c.groups[i].source)
		dst = append(dst, ":["...)
		dst = elements(dst, c.groups[i].events)
		dst = append(dst, ']')
	}
	dst = append(dst, `},"metrics":[`...)
	dst = elements(dst, c.metrics)
	dst = append(dst, `],"service_checks":[],"health":[`...)
	if c.health || c.emptyHealth {
		var start *StartSnapshot
		if c.healthStart || c.emptyHealth {
			start = &a.start
		}
		dst = appendHealthHead(dst, ConsistencyModel, a.urn, start, c.healthStop || c.emptyHealth)
		dst = append(dst, '[')
		dst = elements(dst, c.states)
		dst = append(dst, "]}"...)
	}
	dst = append(dst, `],"topologies":[`...)
	if c.topo || c.emptyTopo {
		dst = appendTopologyHead(dst, c.topoStart || c.emptyTopo, c.topoStop || c.emptyTopo, a.inst.Type, a.inst.URL)
		dst = append(dst, `[],"components":[`...)
		dst = elements(dst, c.comps)
		dst = append(dst, `],"relations":[`...)
		dst = elements(dst, c.rels)
		dst = append(dst, "]}"...)
	}
	return append(dst, "]}"...)
}

// group returns the events of source in c, adding an empty group if c has
// none yet.
func (c *chunk) group(source string) *eventGroup {
	if i, ok := c.index[source]; ok {
		return &c.groups[i]
	}
	c.index[source] = len(c.groups)
	if len(c.groups) < cap(c.groups) {
		// Reuse the buffer of a group of an earlier envelope.
		c.groups = c.groups[:len(c.groups)+1]
		g := &c.groups[len(c.groups)-1]
		g.source, g.events = source, g.events[:0]
		return g
	}
	c.groups = append(c.groups, eventGroup{source: source})
	return &c.groups[len(c.groups)-1]
}

// reset empties c, keeping its buffers for the next envelope.
func (c *chunk) reset() {
	*c = chunk{
		comps:   c.comps[:0],
		rels:    c.rels[:0],
		states:  c.states[:0],
		metrics: c.metrics[:0],
		groups:  c.groups[:0],
		index:   c.index,
	}
	clear(c.index)
}

// appendComma appends the comma that separates an element from the ones
// before it in buf, if there are any.
func appendComma(buf []byte) []byte {
	if len(buf) > 0 {
		return append(buf, ',')
	}
	return buf
}

// appendElement appends the wire form of an element to buf, after a comma
// if buf holds elements already. An empty buffer without room is made
// large enough for a whole envelope of elements of this size at once:
// growing a buffer of megabytes step by step copies it over and over and
// touches fresh memory each time.
func (a *Assembler) appendElement(buf, wire []byte) []byte {
	if len(buf) == 0 && cap(buf) < len(wire) {
		buf = make([]byte, 0, min((len(wire)+1)*a.opt.chunkSize*5/4, maxPresize))
	}
	return append(appendComma(buf), wire...)
}

// maxPresize caps the room appendElement makes at once.
const maxPresize = 64 << 20

// spill keeps complete envelopes in an unnamed temporary file until they
// can be handed out.
type spill struct {
	f     *os.File
	w     *bufio.Writer
	sizes []int
	// name is the file's name if it could not be removed while open, as on
	// Windows, and must be removed when it is closed.
	name string
}

// newSpill creates an empty spill file in the default temporary directory.
func newSpill() (*spill, error) {
	f, err := os.CreateTemp("", "stackmap-envelopes-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary file for envelopes: %w", err)
	}
	s := &spill{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	if os.Remove(f.Name()) != nil {
		s.name = f.Name()
	}
	return s, nil
}

// write adds the envelope made of parts.
func (s *spill) write(parts ...[]byte) error {
	size := 0
	for _, b := range parts {
		if _, err := s.w.Write(b); err != nil {
			return fmt.Errorf("write envelope to temporary file: %w", err)
		}
		size += len(b)
	}
	s.sizes = append(s.sizes, size)
	return nil
}

// replay reads the envelopes back, in order, into buf and hands each to
// emit; it returns buf for reuse.
func (s *spill) replay(buf []byte, emit func([]byte) error) ([]byte, error) {
	if err := s.w.Flush(); err != nil {
		return buf, fmt.Errorf("write envelope to temporary file: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return buf, fmt.Errorf("rewind temporary file: %w", err)
	}
	r := bufio.NewReaderSize(s.f, 1<<20)
	for _, size := range s.sizes {
		buf = slices.Grow(buf[:0], size)[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return buf, fmt.Errorf("read envelope from temporary file: %w", err)
		}
		if err := emit(buf); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// close closes and, if need be, removes the file.
func (s *spill) close() {
	s.f.Close()
	if s.name != "" {
		os.Remove(s.name)
	}
}
