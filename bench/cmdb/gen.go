package cmdb

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The files Generate writes.
const (
	CIFile  = "cmdb_ci.json"
	RelFile = "cmdb_rel_ci.json"
)

// RelsPerCI is how many relationships each CI is the parent of: an export
// of n CIs has RelsPerCI·n relationships.
const RelsPerCI = 2

// Stats describes a generated export.
type Stats struct {
	CIs, Rels         int
	CIBytes, RelBytes int64
}

// Generate writes an export of n CIs (n ≥ 2) and their RelsPerCI·n
// relationships to dir/CIFile and dir/RelFile, creating dir if need be.
func Generate(dir string, n int) (Stats, error) {
	if err := checkSize(n); err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("cmdb: %w", err)
	}
	// The two files, one goroutine each.
	st := Stats{CIs: n, Rels: RelsPerCI * n}
	var relErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.RelBytes, relErr = writeFile(filepath.Join(dir, RelFile), n, WriteRels)
	}()
	var err error
	st.CIBytes, err = writeFile(filepath.Join(dir, CIFile), n, WriteCIs)
	<-done
	if err = cmp.Or(err, relErr); err != nil {
		return Stats{}, err
	}
	return st, nil
}

// checkSize returns an error unless n CIs make an export: relationships
// need two CIs at least.
func checkSize(n int) error {
	if n < 2 {
		return fmt.Errorf("cmdb: %d CIs: an export needs at least 2", n)
	}
	return nil
}

// writeFile creates path and fills it with write.
func writeFile(path string, n int, write func(io.Writer, int) (int64, error)) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("cmdb: %w", err)
	}
	size, err := write(f, n)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("cmdb: %w", cerr)
	}
	return size, err
}

// WriteCIs writes the cmdb_ci table of an export of n CIs (n ≥ 2) to w and
// returns the number of bytes written.
func WriteCIs(w io.Writer, n int) (int64, error) {
	if err := checkSize(n); err != nil {
		return 0, err
	}
	g := &gen{n: n}
	return writeTable(w, n, g.appendCI)
}

// WriteRels writes the cmdb_rel_ci table of an export of n CIs (n ≥ 2),
// RelsPerCI·n relationships, to w and returns the number of bytes written.
func WriteRels(w io.Writer, n int) (int64, error) {
	if err := checkSize(n); err != nil {
		return 0, err
	}
	g := &gen{n: n}
	return writeTable(w, RelsPerCI*n, g.appendRel)
}

// writeTable writes {"result":[…]} with the records 0…count-1 that
// appendRecord makes, through a bufio.Writer.
func writeTable(w io.Writer, count int, appendRecord func([]byte, int) []byte) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	buf := make([]byte, 0, 8<<10)
	buf = append(buf, `{"result":[`...)
	for i := range count {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendRecord(buf, i)
		if len(buf) >= 4<<10 {
			if _, err := bw.Write(buf); err != nil {
				return cw.n, fmt.Errorf("cmdb: %w", err)
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, "]}"...)
	if _, err := bw.Write(buf); err != nil {
		return cw.n, fmt.Errorf("cmdb: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("cmdb: %w", err)
	}
	return cw.n, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// gen makes the records of an export of n CIs. Its byte slices are
// scratch space reused from record to record.
type gen struct {
	n                   int
	name, slug, scratch []byte
}

// Salts that make the hashes of the fields of one record independent.
const (
	saltCIID uint64 = iota + 1
	saltRelID
	saltSite
	saltWord
	saltOS
	saltMaker
	saltEnv
	saltOpStatus
	saltInstall
	saltDesc
	saltTags
	saltCompany
	saltSerial
	saltCPU
	saltRAM
	saltMAC
	saltCreated
	saltUpdated
	saltCreatedBy
	saltChild
	saltStrength
	saltPort
	saltOutage
	saltRelCreated
)

// mix is the finaliser of SplitMix64: a bijection of uint64 whose output
// bits all depend on every input bit.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash returns a hash of record i and a salt naming the field.
func hash(i int, salt uint64) uint64 {
	return mix(uint64(i)*0x9e3779b97f4a7c15 + salt*0xd1b54a32d192ed03)
}

// pick returns the element of list chosen by the hash of record i and salt.
func pick[T any](list []T, i int, salt uint64) T {
	return list[hash(i, salt)%uint64(len(list))]
}

// appendHex128 appends hi and lo as 32 lower-case hex digits.
func appendHex128(dst []byte, hi, lo uint64) []byte {
	for _, v := range [2]uint64{hi, lo} {
		for shift := 60; shift >= 0; shift -= 4 {
			dst = append(dst, hexDigits[v>>uint(shift)&0xf])
		}
	}
	return dst
}

// appendSysID appends the sys_id of record i of a table (the salt names
// the table). Its first half is a bijection of i, so no two records of a
// table share a sys_id.
func appendSysID(dst []byte, i int, salt uint64) []byte {
	hi := mix(uint64(i) + salt<<56)
	return appendHex128(dst, hi, mix(hi^salt))
}

// appendPadded appends v with at least width digits.
func appendPadded(dst []byte, v, width int) []byte {
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(v), 10)
	for range width - len(s) {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// The times of the records: created between the start of 2019 and the end
// of 2024, updated after that and before 2026.
const (
	epochStart = 1546300800 // 2019-01-01T00:00:00Z
	createSpan = 6 * 365 * 24 * 3600
	epochEnd   = 1767225600 // 2026-01-01T00:00:00Z
)

// appendTime appends a time as ServiceNow writes it: 2024-03-05 10:11:12.
func appendTime(dst []byte, unix int64) []byte {
	return time.Unix(unix, 0).UTC().AppendFormat(dst, time.DateTime)
}

// created returns the creation time of record i of a table.
func created(i int, salt uint64) int64 {
	return epochStart + int64(hash(i, salt)%createSpan)
}

// appendNames sets g.name to the name of CI i and g.slug to its
// lower-case host name (the first label of its fqdn).
func (g *gen) appendNames(i int) {
	c := &classes[classOf(i)]
	st := &sites[hash(i, saltSite)%uint64(len(sites))]
	wd := &words[hash(i, saltWord)%uint64(len(words))]
	g.slug = g.slug[:0]
	switch {
	case c.prefix != "":
		g.slug = append(g.slug, c.prefix...)
		g.slug = append(g.slug, '-')
		g.slug = append(g.slug, st.code...)
		g.slug = append(g.slug, '-')
		g.slug = appendPadded(g.slug, i, 7)
		g.name = append(g.name[:0], g.slug...)
	case classOf(i) == service:
		g.slug = append(g.slug, wd.slug...)
		g.slug = append(g.slug, '-')
		g.slug = appendPadded(g.slug, i, 7)
		g.name = append(g.name[:0], wd.title...)
		g.name = append(g.name, ' ')
		g.name = appendPadded(g.name, i, 7)
	default:
		g.slug = append(g.slug, wd.slug...)
		g.slug = append(g.slug, "-app-"...)
		g.slug = appendPadded(g.slug, i, 7)
		g.name = append(g.name[:0], g.slug...)
	}
}

// appendCI appends CI i as a JSON object.
func (g *gen) appendCI(b []byte, i int) []byte {
	ci := classOf(i)
	c := &classes[ci]
	st := &sites[hash(i, saltSite)%uint64(len(sites))]
	g.appendNames(i)

	b = append(b, '{')
	g.scratch = appendSysID(g.scratch[:0], i, saltCIID)
	b = appendField(b, "sys_id", g.scratch)
	b = appendField(b, "name", g.name)
	b = appendField(b, "sys_class_name", c.name)

	// fqdn and dns_domain: every CI has one, business services and
	// applications the name of their endpoint.
	g.scratch = append(g.scratch[:0], g.slug...)
	g.scratch = append(g.scratch, '.')
	domain := len(g.scratch)
	g.scratch = append(g.scratch, st.code...)
	g.scratch = append(g.scratch, ".example.com"...)
	b = appendField(b, "fqdn", g.scratch)
	b = appendField(b, "dns_domain", g.scratch[domain:])

	// ip_address: 10.x.y.z, distinct for the first 16 million CIs.
	v := i + 257
	g.scratch = append(g.scratch[:0], "10."...)
	g.scratch = strconv.AppendInt(g.scratch, int64(v>>16&0xff), 10)
	g.scratch = append(g.scratch, '.')
	g.scratch = strconv.AppendInt(g.scratch, int64(v>>8&0xff), 10)
	g.scratch = append(g.scratch, '.')
	g.scratch = strconv.AppendInt(g.scratch, int64(v&0xff), 10)
	b = appendField(b, "ip_address", g.scratch)

	g.scratch = g.scratch[:0]
	if c.hardware {
		m := hash(i, saltMAC)
		g.scratch = append(g.scratch, "00:50:56"...)
		for shift := 16; shift >= 0; shift -= 8 {
			x := m >> uint(shift)
			g.scratch = append(g.scratch, ':', hexDigits[x>>4&0xf], hexDigits[x&0xf])
		}
	}
	b = appendField(b, "mac_address", g.scratch)

	var osr osRelease
	if len(c.os) > 0 {
		osr = pick(c.os, i, saltOS)
	}
	b = appendField(b, "os", osr.os)
	b = appendField(b, "os_version", osr.version)

	b = appendField(b, "environment", pick(environments, i, saltEnv))
	b = appendField(b, "operational_status", pick(operationalStatuses, i, saltOpStatus))
	b = appendField(b, "install_status", pick(installStatuses, i, saltInstall))
	b = appendField(b, "short_description", pick(descriptions, i, saltDesc))
	b = appendField(b, "sys_tags", pick(sysTags, i, saltTags))
	b = appendField(b, "location", st.locationID)
	b = appendField(b, "company", pick(companies, i, saltCompany))

	var mk makerRef
	if ms := classMakers[ci]; len(ms) > 0 {
		mk = pick(ms, i, saltMaker)
	}
	b = appendField(b, "manufacturer", mk.makerID)
	b = appendField(b, "model_id", mk.modelID)

	// serial_number and asset_tag: hardware only.
	g.scratch = g.scratch[:0]
	if c.hardware {
		const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
		s := hash(i, saltSerial)
		for range 10 {
			g.scratch = append(g.scratch, alnum[s%uint64(len(alnum))])
			s /= uint64(len(alnum))
		}
	}
	b = appendField(b, "serial_number", g.scratch)
	g.scratch = g.scratch[:0]
	if c.hardware {
		g.scratch = append(g.scratch, 'P')
		g.scratch = appendPadded(g.scratch, 1000000+i, 7)
	}
	b = appendField(b, "asset_tag", g.scratch)

	// cpu_count and ram (MB): servers only; the stored values are
	// integers without separators, written as strings like every field.
	if c.server {
		cpus := 2 << (hash(i, saltCPU) % 6) // 2…64
		g.scratch = strconv.AppendInt(g.scratch[:0], int64(cpus), 10)
		b = appendField(b, "cpu_count", g.scratch)
		mb := 4096 << (hash(i, saltRAM) % 8) // 4 GB…512 GB
		g.scratch = strconv.AppendInt(g.scratch[:0], int64(mb), 10)
		b = appendField(b, "ram", g.scratch)
	} else {
		b = appendField(b, "cpu_count", "")
		b = appendField(b, "ram", "")
	}

	b = appendField(b, "assignment_group", classGroupID[ci])
	b = appendField(b, "discovery_source", c.source)
	b = appendField(b, "sys_created_by", pick(createdBy, i, saltCreatedBy))
	born := created(i, saltCreated)
	g.scratch = appendTime(g.scratch[:0], born)
	b = appendField(b, "sys_created_on", g.scratch)
	g.scratch = appendTime(g.scratch[:0], born+int64(hash(i, saltUpdated)%uint64(epochEnd-born)))
	b = appendField(b, "sys_updated_on", g.scratch)
	b[len(b)-1] = '}' // the last field's comma
	return b
}

// relationship returns the type and child of relationship j, the
// (j%RelsPerCI)-th of its parent, CI j/RelsPerCI.
func (g *gen) relationship(j int) (typ, child int) {
	parent, nth := j/RelsPerCI, j%RelsPerCI
	typ, child = g.target(parent, nth, j)
	if nth == 0 {
		return typ, child
	}
	// The second must differ from the first in its type or its child.
	typ0, child0 := g.target(parent, 0, j-1)
	if typ != typ0 || child != child0 {
		return typ, child
	}
	rule := classes[classOf(parent)].rels[nth]
	if k := countOf(rule.child, g.n); k > 0 {
		m := int(hash(j, saltChild) % uint64(k))
		for range k {
			m = (m + 1) % k
			if c := nthOf(rule.child, m); c != parent && c != child0 {
				return typ, c
			}
		}
	}
	for c := (child0 + 1) % g.n; c != child0; c = (c + 1) % g.n {
		if c != parent {
			return typ, c
		}
	}
	// Only two CIs: the same child, another type.
	if typ0 == dependsOn {
		return connectedBy, child0
	}
	return dependsOn, child0
}

// target returns the type and child the nth rule of parent's class gives
// relationship j: a CI of the rule's class other than the parent, or any
// other CI when the export has none.
func (g *gen) target(parent, nth, j int) (typ, child int) {
	rule := classes[classOf(parent)].rels[nth]
	h := hash(j, saltChild)
	if k := countOf(rule.child, g.n); k > 0 {
		m := int(h % uint64(k))
		c := nthOf(rule.child, m)
		if c != parent {
			return rule.typ, c
		}
		if k > 1 {
			return rule.typ, nthOf(rule.child, (m+1)%k)
		}
	}
	return rule.typ, (parent + 1 + int(h%uint64(g.n-1))) % g.n
}

// appendRel appends relationship j as a JSON object.
func (g *gen) appendRel(b []byte, j int) []byte {
	parent := j / RelsPerCI
	typ, child := g.relationship(j)

	b = append(b, '{')
	g.scratch = appendSysID(g.scratch[:0], j, saltRelID)
	b = appendField(b, "sys_id", g.scratch)
	g.scratch = appendSysID(g.scratch[:0], parent, saltCIID)
	b = appendField(b, "parent", g.scratch)
	b = appendField(b, "type", relTypeIDs[typ])
	g.scratch = appendSysID(g.scratch[:0], child, saltCIID)
	b = appendField(b, "child", g.scratch)
	b = appendField(b, "connection_strength", pick(connectionStrengths, j, saltStrength))
	b = appendField(b, "port", pick(ports, j, saltPort))
	b = appendField(b, "percent_outage", pick(percentOutages, j, saltOutage))
	// Created after both of its CIs.
	born := max(created(parent, saltCreated), created(child, saltCreated))
	g.scratch = appendTime(g.scratch[:0], born+int64(hash(j, saltRelCreated)%uint64(epochEnd-born)))
	b = appendField(b, "sys_created_on", g.scratch)
	b[len(b)-1] = '}'
	return b
}
