package hydro

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/paulmach/orb"
)

// SnapshotVersion is the version of the binary snapshot format. It changes
// whenever the layout of Network or of the file changes, so that a server
// never reads a snapshot an older or newer binary wrote.
const SnapshotVersion = 2

// snapshotMagic opens every snapshot file.
const snapshotMagic = "envtrace network snapshot\n"

// ErrStaleSnapshot says a snapshot exists but was written from another
// source, by another format version, or on a machine of other byte order:
// the caller rebuilds from the source and writes a new one.
var ErrStaleSnapshot = errors.New("network snapshot is stale")

// WriteSnapshot writes the built network to w in the binary snapshot
// format, tagged with key (a digest of the source it was built from), so
// that ReadSnapshot can give back the same network without parsing or
// building: start-up then costs the time to read the columns. Build
// problems are kept as their messages, severities and reach ids.
func (n *Network) WriteSnapshot(w io.Writer, key string) error {
	e := &snapEncoder{w: bufio.NewWriterSize(w, 1<<20)}
	e.str(snapshotMagic)
	e.u64(SnapshotVersion)
	e.u64(uint64(nativeOrder()))
	e.str(key)
	n.encode(e)
	if e.err != nil {
		return fmt.Errorf("write network snapshot: %w", e.err)
	}
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("write network snapshot: %w", err)
	}
	return nil
}

// ReadSnapshot reads a network WriteSnapshot wrote. It returns an error
// wrapping ErrStaleSnapshot when the file's key, format version or byte
// order differ from the expected ones, and another error when the file is
// damaged.
func ReadSnapshot(r io.Reader, key string) (*Network, error) {
	d := &snapDecoder{r: bufio.NewReaderSize(r, 1<<20)}
	if m := d.str(); d.err == nil && m != snapshotMagic {
		return nil, errors.New("read network snapshot: not a network snapshot")
	}
	v, order := d.u64(), d.u64()
	if d.err == nil && (v != SnapshotVersion || order != uint64(nativeOrder())) {
		return nil, fmt.Errorf("%w: format version %d (this binary reads %d)", ErrStaleSnapshot, v, SnapshotVersion)
	}
	if k := d.str(); d.err == nil && k != key {
		return nil, fmt.Errorf("%w: built from another source", ErrStaleSnapshot)
	}
	n := decodeNetwork(d)
	if d.err != nil {
		return nil, fmt.Errorf("read network snapshot: %w", d.err)
	}
	return n, nil
}

// SaveSnapshot writes the network to path atomically: to a temporary file
// in the same directory, synced, then renamed over path, so a reader sees
// the old snapshot or the new one and never half a file.
func (n *Network) SaveSnapshot(path, key string) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save network snapshot: %w", err)
	}
	tmp := f.Name()
	err = n.WriteSnapshot(f, key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("save network snapshot %s: %w", path, err)
	}
	return nil
}

// LoadSnapshot reads the snapshot at path; see ReadSnapshot. A missing
// file wraps os.ErrNotExist.
func LoadSnapshot(path, key string) (*Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load network snapshot: %w", err)
	}
	defer f.Close()
	n, err := ReadSnapshot(f, key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// SnapshotKey digests what a network is built from (the source file's
// bytes and the options that change the build, given as parts) into the
// key of its snapshot.
func SnapshotKey(source io.Reader, parts ...string) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, source); err != nil {
		return "", fmt.Errorf("snapshot key: %w", err)
	}
	for _, p := range parts {
		fmt.Fprintf(h, "\x00%d:%s", len(p), p)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

func nativeOrder() int {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return 1 // little-endian
	}
	return 2
}

// encode writes every field of the network; decodeNetwork reads them in the
// same order.
func (n *Network) encode(e *snapEncoder) {
	e.str(string(n.Topology))
	e.bool(n.Geographic)
	e.u64(uint64(n.SRID))
	e.u64(uint64(n.n))
	e.bool(n.hasNHD)
	e.problems(n.Problems)
	e.ids(n.ids)
	writeSlice(e, n.down)
	writeSlice(e, n.size)
	writeSlice(e, n.upMainExc)
	e.km(n.lenKm)
	writeSlice(e, n.cumKm)
	writeSlice(e, n.cumHours)
	// A computed network's path lengths are its cumulative distances: one
	// column, written once.
	shared := sameFloats(n.pathKm.f, n.cumKm)
	e.bool(shared)
	if shared {
		writeSlice(e, n.pathKm.m)
	} else {
		e.km(n.pathKm)
	}
	e.i64(n.hydroseq)
	e.i64(n.levelPath)
	e.i64(n.terminalPath)
	writeSlice(e, n.order)
	writeSlice(e, n.arbolate)
	writeSlice(e, n.velocity)
	writeSlice(e, n.flags)
	writeSlice(e, n.minorUp)
	writeSlice(e, n.minorDown)
	e.geometry(n.geom)
	e.strs(n.names)
	e.codes(n.codes)
}

func decodeNetwork(d *snapDecoder) *Network {
	n := &Network{Topology: Topology(d.str()), Geographic: d.bool(), SRID: int(d.u64())}
	n.n = int32(d.u64())
	n.hasNHD = d.bool()
	n.Problems = d.problems()
	n.ids = d.ids()
	n.down = readSlice[int32](d)
	n.size = readSlice[int32](d)
	n.upMainExc = readSlice[edge](d)
	n.lenKm = d.km()
	n.cumKm = readSlice[float64](d)
	n.cumHours = readSlice[float64](d)
	if d.bool() {
		n.pathKm = kmCol{m: readSlice[uint32](d), f: n.cumKm}
	} else {
		n.pathKm = d.km()
	}
	n.hydroseq = d.i64()
	n.levelPath = d.i64()
	n.terminalPath = d.i64()
	n.order = readSlice[uint8](d)
	n.arbolate = readSlice[float32](d)
	n.velocity = readSlice[float32](d)
	n.flags = readSlice[uint8](d)
	n.minorUp = readSlice[edge](d)
	n.minorDown = readSlice[edge](d)
	n.geom = d.geometry()
	n.names = d.strs()
	n.codes = d.codes()
	if d.err == nil && (len(n.down) != int(n.n) || len(n.size) != int(n.n) || len(n.flags) != int(n.n)) {
		d.err = errors.New("columns do not match the reach count")
	}
	return n
}

// snapProblem is a build problem as a snapshot keeps it.
type snapProblem struct {
	msg     string
	sev     Severity
	reaches []string
}

func (p *snapProblem) Error() string      { return p.msg }
func (p *snapProblem) Severity() Severity { return p.sev }
func (p *snapProblem) Reaches() []string  { return p.reaches }

// snapEncoder writes little fields and whole columns; the first error
// sticks.
type snapEncoder struct {
	w   *bufio.Writer
	err error
	buf [8]byte
}

func (e *snapEncoder) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *snapEncoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:], v)
	e.write(e.buf[:])
}

func (e *snapEncoder) bool(v bool) {
	if v {
		e.u64(1)
	} else {
		e.u64(0)
	}
}

func (e *snapEncoder) str(s string) {
	e.u64(uint64(len(s)))
	e.write([]byte(s))
}

func (e *snapEncoder) strs(ss []string) {
	if ss == nil {
		e.u64(math.MaxUint64)
		return
	}
	e.u64(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// writeSlice writes a column as its raw memory: reading it back is a copy.
// A nil column and an empty one are told apart.
func writeSlice[T any](e *snapEncoder, s []T) {
	if s == nil {
		e.u64(math.MaxUint64)
		return
	}
	e.u64(uint64(len(s)))
	if len(s) > 0 {
		e.write(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0]))))
	}
}

func (e *snapEncoder) km(c kmCol) {
	writeSlice(e, c.m)
	writeSlice(e, c.f)
}

func (e *snapEncoder) i64(c i64col) {
	e.u64(uint64(c.base))
	writeSlice(e, c.small)
	writeSlice(e, c.big)
}

func (e *snapEncoder) problems(ps []Problem) {
	e.u64(uint64(len(ps)))
	for _, p := range ps {
		e.str(p.Error())
		e.u64(uint64(p.Severity()))
		e.strs(p.Reaches())
	}
}

func (e *snapEncoder) ids(x idIndex) {
	switch ids := x.(type) {
	case *numericIDs:
		e.u64(1)
		vals := ids.vals
		if ids.raw != nil {
			vals = i64col{big: ids.raw}
		}
		e.i64(vals)
		writeSlice(e, ids.sorted)
	case *stringIDs:
		e.u64(2)
		e.strs(ids.vals)
	default:
		e.err = fmt.Errorf("unknown id index %T", x)
	}
}

// codes writes the reach codes and their measure intervals.
func (e *snapEncoder) codes(cs []reachCode) {
	if cs == nil {
		e.u64(math.MaxUint64)
		return
	}
	e.u64(uint64(len(cs)))
	for _, c := range cs {
		e.str(c.code)
		e.u64(math.Float64bits(c.from))
		e.u64(math.Float64bits(c.to))
	}
}

// geometry writes every polyline's vertex count, then all vertices.
func (e *snapEncoder) geometry(g []orb.LineString) {
	if g == nil {
		e.u64(math.MaxUint64)
		return
	}
	counts := make([]uint32, len(g))
	total := 0
	for i, l := range g {
		counts[i] = uint32(len(l))
		total += len(l)
	}
	e.u64(uint64(len(g)))
	writeSlice(e, counts)
	for _, l := range g {
		if len(l) > 0 {
			e.write(unsafe.Slice((*byte)(unsafe.Pointer(&l[0])), len(l)*int(unsafe.Sizeof(l[0]))))
		}
	}
}

// snapDecoder reads what snapEncoder wrote; the first error sticks and
// every later read returns zero values.
type snapDecoder struct {
	r   *bufio.Reader
	err error
	buf [8]byte
}

// maxSnapLen bounds a length read from a file, so that a damaged file
// fails with an error instead of an enormous allocation.
const maxSnapLen = 1 << 34

func (d *snapDecoder) read(b []byte) {
	if d.err == nil {
		if _, err := io.ReadFull(d.r, b); err != nil {
			d.err = fmt.Errorf("truncated: %w", err)
		}
	}
}

func (d *snapDecoder) u64() uint64 {
	d.read(d.buf[:])
	if d.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint64(d.buf[:])
}

func (d *snapDecoder) bool() bool { return d.u64() != 0 }

// length reads a count; nil reports the nil marker.
func (d *snapDecoder) length() (n int, isNil bool) {
	v := d.u64()
	if v == math.MaxUint64 {
		return 0, true
	}
	if v > maxSnapLen {
		if d.err == nil {
			d.err = fmt.Errorf("length %d out of range", v)
		}
		return 0, true
	}
	return int(v), false
}

func (d *snapDecoder) str() string {
	n, isNil := d.length()
	if isNil || n == 0 {
		return ""
	}
	b := make([]byte, n)
	d.read(b)
	return string(b)
}

func (d *snapDecoder) strs() []string {
	n, isNil := d.length()
	if isNil {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		if out[i] = d.str(); d.err != nil {
			return nil
		}
	}
	return out
}

func readSlice[T any](d *snapDecoder) []T {
	n, isNil := d.length()
	if isNil || d.err != nil {
		return nil
	}
	s := make([]T, n)
	if n > 0 {
		var zero T
		d.read(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), n*int(unsafe.Sizeof(zero))))
	}
	return s
}

func (d *snapDecoder) km() kmCol { return kmCol{m: readSlice[uint32](d), f: readSlice[float64](d)} }

func (d *snapDecoder) i64() i64col {
	return i64col{base: int64(d.u64()), small: readSlice[uint32](d), big: readSlice[int64](d)}
}

func (d *snapDecoder) problems() []Problem {
	n, _ := d.length()
	var out []Problem
	for range n {
		p := &snapProblem{msg: d.str(), sev: Severity(d.u64()), reaches: d.strs()}
		if d.err != nil {
			return nil
		}
		out = append(out, p)
	}
	return out
}

func (d *snapDecoder) ids() idIndex {
	switch kind := d.u64(); kind {
	case 1:
		return &numericIDs{vals: d.i64(), sorted: readSlice[int32](d)}
	case 2:
		return newStringIDs(d.strs())
	default:
		if d.err == nil {
			d.err = fmt.Errorf("unknown id index kind %d", kind)
		}
		return &stringIDs{m: map[string]int32{}}
	}
}

func (d *snapDecoder) codes() []reachCode {
	n, isNil := d.length()
	if isNil || d.err != nil {
		return nil
	}
	out := make([]reachCode, n)
	for i := range out {
		out[i] = reachCode{code: d.str(), from: math.Float64frombits(d.u64()), to: math.Float64frombits(d.u64())}
		if d.err != nil {
			return nil
		}
	}
	return out
}

// geometry reads the polylines into one backing array of vertices.
func (d *snapDecoder) geometry() []orb.LineString {
	n, isNil := d.length()
	if isNil || d.err != nil {
		return nil
	}
	counts := readSlice[uint32](d)
	if len(counts) != n {
		if d.err == nil {
			d.err = errors.New("geometry counts do not match")
		}
		return nil
	}
	total := 0
	for _, c := range counts {
		total += int(c)
	}
	pts := make([]orb.Point, total)
	if total > 0 {
		d.read(unsafe.Slice((*byte)(unsafe.Pointer(&pts[0])), total*int(unsafe.Sizeof(pts[0]))))
	}
	g := make([]orb.LineString, n)
	at := 0
	for i, c := range counts {
		if c > 0 {
			g[i] = orb.LineString(pts[at : at+int(c) : at+int(c)])
			at += int(c)
		}
	}
	return g
}
