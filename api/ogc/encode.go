package ogc

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

// projector writes coordinates of one source CRS in one output CRS and
// axis order. It converts point by point while encoding, so a page of
// reaches is never copied just to be reprojected.
type projector struct {
	t    *crs.Transformer
	swap bool // output is latitude first
	prec int  // decimals written
}

// newProjector prepares output from src to out.
func newProjector(src, out crs.Code) (*projector, error) {
	t, err := crs.NewTransformer(src, out)
	if err != nil {
		return nil, err
	}
	prec := 3
	if out.IsGeographic() {
		prec = 8
	}
	return &projector{t: t, swap: out.LatLonAxisOrder(), prec: prec}, nil
}

// projectors caches one projector per source CRS for a response.
type projectors struct {
	out     crs.Code
	storage crs.Code
	m       map[crs.Code]*projector
}

func (ps *projectors) get(src crs.Code) (*projector, error) {
	if src == 0 {
		src = ps.storage
	}
	if p, ok := ps.m[src]; ok {
		return p, nil
	}
	p, err := newProjector(src, ps.out)
	if err != nil {
		return nil, err
	}
	if ps.m == nil {
		ps.m = map[crs.Code]*projector{}
	}
	ps.m[src] = p
	return p, nil
}

// appendNum writes v with at most prec decimals and no trailing zeros.
func appendNum(buf []byte, v float64, prec int) []byte {
	start := len(buf)
	buf = strconv.AppendFloat(buf, v, 'f', prec, 64)
	if prec > 0 {
		i := len(buf)
		for i > start && buf[i-1] == '0' {
			i--
		}
		if i > start && buf[i-1] == '.' {
			i--
		}
		buf = buf[:i]
	}
	if string(buf[start:]) == "-0" {
		buf = append(buf[:start], '0')
	}
	return buf
}

func (p *projector) point(buf []byte, pt orb.Point) ([]byte, error) {
	q := pt
	if !p.t.Identity() {
		var err error
		if q, err = p.t.Transform(pt); err != nil {
			return buf, err
		}
	} else if math.IsNaN(q[0]) || math.IsNaN(q[1]) || math.IsInf(q[0], 0) || math.IsInf(q[1], 0) {
		return buf, fmt.Errorf("ogc: non-finite coordinate %v", pt)
	}
	if p.swap {
		q[0], q[1] = q[1], q[0]
	}
	buf = append(buf, '[')
	buf = appendNum(buf, q[0], p.prec)
	buf = append(buf, ',')
	buf = appendNum(buf, q[1], p.prec)
	return append(buf, ']'), nil
}

func (p *projector) points(buf []byte, pts []orb.Point) ([]byte, error) {
	buf = append(buf, '[')
	for i, pt := range pts {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = p.point(buf, pt); err != nil {
			return buf, err
		}
	}
	return append(buf, ']'), nil
}

func (p *projector) rings(buf []byte, rs []orb.Ring) ([]byte, error) {
	buf = append(buf, '[')
	for i, r := range rs {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = p.points(buf, r); err != nil {
			return buf, err
		}
	}
	return append(buf, ']'), nil
}

// geometry writes g as a GeoJSON geometry object (null for nil).
func (p *projector) geometry(buf []byte, g orb.Geometry) ([]byte, error) {
	var err error
	coords := func(typ string, f func([]byte) ([]byte, error)) ([]byte, error) {
		buf = append(buf, `{"type":"`...)
		buf = append(buf, typ...)
		buf = append(buf, `","coordinates":`...)
		if buf, err = f(buf); err != nil {
			return buf, err
		}
		return append(buf, '}'), nil
	}
	switch g := g.(type) {
	case nil:
		return append(buf, "null"...), nil
	case orb.Point:
		return coords("Point", func(b []byte) ([]byte, error) { return p.point(b, g) })
	case orb.MultiPoint:
		return coords("MultiPoint", func(b []byte) ([]byte, error) { return p.points(b, g) })
	case orb.LineString:
		return coords("LineString", func(b []byte) ([]byte, error) { return p.points(b, g) })
	case orb.Ring:
		return coords("Polygon", func(b []byte) ([]byte, error) { return p.rings(b, []orb.Ring{g}) })
	case orb.Bound:
		return p.geometry(buf, g.ToPolygon())
	case orb.MultiLineString:
		return coords("MultiLineString", func(b []byte) ([]byte, error) {
			b = append(b, '[')
			for i, l := range g {
				if i > 0 {
					b = append(b, ',')
				}
				if b, err = p.points(b, l); err != nil {
					return b, err
				}
			}
			return append(b, ']'), nil
		})
	case orb.Polygon:
		return coords("Polygon", func(b []byte) ([]byte, error) { return p.rings(b, g) })
	case orb.MultiPolygon:
		return coords("MultiPolygon", func(b []byte) ([]byte, error) {
			b = append(b, '[')
			for i, pg := range g {
				if i > 0 {
					b = append(b, ',')
				}
				if b, err = p.rings(b, pg); err != nil {
					return b, err
				}
			}
			return append(b, ']'), nil
		})
	case orb.Collection:
		buf = append(buf, `{"type":"GeometryCollection","geometries":[`...)
		for i, c := range g {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = p.geometry(buf, c); err != nil {
				return buf, err
			}
		}
		return append(buf, "]}"...), nil
	}
	return buf, fmt.Errorf("ogc: cannot encode geometry of type %T", g)
}

// cleanProps replaces non-finite numbers, which JSON cannot represent,
// with null; it copies the map only when it has to.
func cleanProps(m map[string]any) map[string]any {
	var out map[string]any
	for k, v := range m {
		bad := false
		switch f := v.(type) {
		case float64:
			bad = math.IsNaN(f) || math.IsInf(f, 0)
		case float32:
			bad = math.IsNaN(float64(f)) || math.IsInf(float64(f), 0)
		}
		if !bad {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(m))
			for k2, v2 := range m {
				out[k2] = v2
			}
		}
		out[k] = nil
	}
	if out == nil {
		return m
	}
	return out
}

// appendFeature writes f as a GeoJSON Feature, with links when given.
func appendFeature(buf []byte, f Feature, p *projector, links []link) ([]byte, error) {
	buf = append(buf, `{"type":"Feature","id":`...)
	id, err := json.Marshal(f.ID)
	if err != nil {
		return buf, err
	}
	buf = append(buf, id...)
	buf = append(buf, `,"geometry":`...)
	if buf, err = p.geometry(buf, f.Geometry); err != nil {
		return buf, fmt.Errorf("ogc: feature %q: %w", f.ID, err)
	}
	buf = append(buf, `,"properties":`...)
	props := cleanProps(f.Properties)
	if props == nil {
		props = map[string]any{}
	}
	b, err := json.Marshal(props)
	if err != nil {
		return buf, fmt.Errorf("ogc: feature %q properties: %w", f.ID, err)
	}
	buf = append(buf, b...)
	if len(links) > 0 {
		b, err := json.Marshal(links)
		if err != nil {
			return buf, err
		}
		buf = append(buf, `,"links":`...)
		buf = append(buf, b...)
	}
	return append(buf, '}'), nil
}

// flushAt is how much of a response is buffered before it is sent. Below
// it an error still becomes a proper error response; above it the body is
// streamed so that memory does not grow with the page size.
const flushAt = 256 << 10

// stream buffers a response body and commits it (status 200 and headers)
// only when the buffer fills or the body is complete.
type stream struct {
	c         echo.Context
	headers   map[string]string
	buf       []byte
	committed bool
}

func newStream(c echo.Context, headers map[string]string) *stream {
	return &stream{c: c, headers: headers, buf: make([]byte, 0, 16<<10)}
}

// maybeFlush sends the buffer once it is large enough.
func (s *stream) maybeFlush() error {
	if len(s.buf) < flushAt {
		return nil
	}
	return s.flush()
}

// flush commits the response if needed and sends the buffer.
func (s *stream) flush() error {
	res := s.c.Response()
	if !s.committed {
		for k, v := range s.headers {
			res.Header().Set(k, v)
		}
		res.WriteHeader(http.StatusOK)
		s.committed = true
	}
	if len(s.buf) == 0 {
		return nil
	}
	_, err := res.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}
