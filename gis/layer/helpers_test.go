package layer

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
)

// writeFile writes content to name in a fresh temporary directory (or dir,
// when given) and returns its path.
func writeFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wkbBuilder writes WKB for tests.
type wkbBuilder struct {
	buf bytes.Buffer
	bo  binary.ByteOrder
}

func newWKB(bigEndian bool) *wkbBuilder {
	w := &wkbBuilder{bo: binary.LittleEndian}
	if bigEndian {
		w.bo = binary.BigEndian
	}
	return w
}

func (w *wkbBuilder) header(typ uint32) *wkbBuilder {
	if w.bo == binary.BigEndian {
		w.buf.WriteByte(0)
	} else {
		w.buf.WriteByte(1)
	}
	return w.u32(typ)
}

func (w *wkbBuilder) u32(v uint32) *wkbBuilder {
	var b [4]byte
	w.bo.PutUint32(b[:], v)
	w.buf.Write(b[:])
	return w
}

func (w *wkbBuilder) f64(vs ...float64) *wkbBuilder {
	for _, v := range vs {
		var b [8]byte
		w.bo.PutUint64(b[:], math.Float64bits(v))
		w.buf.Write(b[:])
	}
	return w
}

func (w *wkbBuilder) bytes() []byte { return w.buf.Bytes() }

// wkbOf encodes a 2D geometry as little-endian WKB with extra ordinates
// (dims 2–4) and a type offset (0, 1000, 2000, 3000) for Z/M variants.
func wkbOf(g orb.Geometry, dims int, typeOffset uint32) []byte {
	w := newWKB(false)
	var write func(g orb.Geometry)
	pts := func(ps []orb.Point) {
		w.u32(uint32(len(ps)))
		for _, p := range ps {
			w.f64(p[0], p[1])
			for d := 2; d < dims; d++ {
				w.f64(float64(d) * 100)
			}
		}
	}
	write = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			w.header(1 + typeOffset)
			w.f64(g[0], g[1])
			for d := 2; d < dims; d++ {
				w.f64(7)
			}
		case orb.LineString:
			w.header(2 + typeOffset)
			pts(g)
		case orb.Polygon:
			w.header(3 + typeOffset)
			w.u32(uint32(len(g)))
			for _, r := range g {
				pts(r)
			}
		case orb.MultiPoint:
			w.header(4 + typeOffset)
			w.u32(uint32(len(g)))
			for _, p := range g {
				write(p)
			}
		case orb.MultiLineString:
			w.header(5 + typeOffset)
			w.u32(uint32(len(g)))
			for _, l := range g {
				write(l)
			}
		case orb.MultiPolygon:
			w.header(6 + typeOffset)
			w.u32(uint32(len(g)))
			for _, p := range g {
				write(p)
			}
		case orb.Collection:
			w.header(7 + typeOffset)
			w.u32(uint32(len(g)))
			for _, c := range g {
				write(c)
			}
		}
	}
	write(g)
	return w.bytes()
}

// gpBlob wraps WKB in a GeoPackage header with the given envelope
// indicator (0–4) and header byte order.
func gpBlob(wkb []byte, srs int32, envelope byte, bigEndian bool, empty bool) []byte {
	var buf bytes.Buffer
	buf.WriteString("GP")
	buf.WriteByte(0)
	flags := envelope << 1
	var bo binary.ByteOrder = binary.BigEndian
	if !bigEndian {
		flags |= 1
		bo = binary.LittleEndian
	}
	if empty {
		flags |= 0x10
	}
	buf.WriteByte(flags)
	var b [8]byte
	bo.PutUint32(b[:4], uint32(srs))
	buf.Write(b[:4])
	n := map[byte]int{0: 0, 1: 4, 2: 6, 3: 6, 4: 8}[envelope]
	for i := 0; i < n; i++ {
		bo.PutUint64(b[:], math.Float64bits(float64(i)))
		buf.Write(b[:])
	}
	buf.Write(wkb)
	return buf.Bytes()
}
