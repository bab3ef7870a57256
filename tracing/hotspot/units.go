package hotspot

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/gis/spatial"
)

// Partition assigns points (TWD97 metres) to spatial units.
type Partition interface {
	// Kind names the partition for reports: "points", "hex" or "areas".
	Kind() string
	// Assign returns the unit of a point and false when it falls in none.
	// Units are created on first use and listed by Units.
	Assign(p orb.Point) (int, bool)
	// Units lists the units assigned so far.
	Units() []Unit
	// Band is the partition's natural distance band (the first ring of a
	// hex grid), 0 when it has none.
	Band() float64
}

// Points makes every distinct location a unit (locations within 1 m are
// one).
func Points() Partition { return &points{ids: map[[2]int64]int{}} }

type points struct {
	units []Unit
	ids   map[[2]int64]int
}

func (p *points) Kind() string  { return "points" }
func (p *points) Units() []Unit { return p.units }
func (p *points) Band() float64 { return 0 }
func (p *points) Assign(q orb.Point) (int, bool) {
	k := [2]int64{int64(math.Round(q[0])), int64(math.Round(q[1]))}
	if i, ok := p.ids[k]; ok {
		return i, true
	}
	p.ids[k] = len(p.units)
	p.units = append(p.units, Unit{ID: fmt.Sprintf("P%d_%d", k[0], k[1]), X: float64(k[0]), Y: float64(k[1])})
	return len(p.units) - 1, true
}

// Hex is a grid of pointy-top hexagons with the given edge (metres),
// anchored at the TWD97 origin so that cell ids are stable between runs.
func Hex(edge float64) (Partition, error) {
	if !(edge > 0) || math.IsInf(edge, 0) {
		return nil, errors.New("hotspot: the hexagon edge must be a positive number of metres")
	}
	return &hex{edge: edge, ids: map[[2]int]int{}}, nil
}

type hex struct {
	edge  float64
	units []Unit
	ids   map[[2]int]int
}

func (h *hex) Kind() string  { return "hex" }
func (h *hex) Units() []Unit { return h.units }

// Band is the distance between neighbouring centres (√3·edge), widened by
// 1% so that the six neighbours are in.
func (h *hex) Band() float64 { return math.Sqrt(3) * h.edge * 1.01 }

func (h *hex) Assign(p orb.Point) (int, bool) {
	q, r := h.axial(p)
	k := [2]int{q, r}
	if i, ok := h.ids[k]; ok {
		return i, true
	}
	x := h.edge * math.Sqrt(3) * (float64(q) + float64(r)/2)
	y := h.edge * 1.5 * float64(r)
	h.ids[k] = len(h.units)
	h.units = append(h.units, Unit{ID: fmt.Sprintf("H%d_%d", q, r), X: x, Y: y})
	return len(h.units) - 1, true
}

// HexCell is the outline of the cell of a Hex grid with the given edge
// whose centre is (x, y): the pointy-top hexagon Assign places points in,
// for layers that draw the units.
func HexCell(x, y, edge float64) orb.Polygon {
	ring := make(orb.Ring, 0, 7)
	for k := range 6 {
		a := (30 + 60*float64(k)) * math.Pi / 180
		ring = append(ring, orb.Point{x + edge*math.Cos(a), y + edge*math.Sin(a)})
	}
	return orb.Polygon{append(ring, ring[0])}
}

// axial returns the cell containing p (cube rounding of fractional axial
// coordinates).
func (h *hex) axial(p orb.Point) (int, int) {
	fq := (math.Sqrt(3)/3*p[0] - p[1]/3) / h.edge
	fr := (2.0 / 3 * p[1]) / h.edge
	fs := -fq - fr
	q, r, s := math.Round(fq), math.Round(fr), math.Round(fs)
	dq, dr, ds := math.Abs(q-fq), math.Abs(r-fr), math.Abs(s-fs)
	switch {
	case dq > dr && dq > ds:
		q = -r - s
	case dr > ds:
		r = -q - s
	}
	return int(q), int(r)
}

// Areas reads polygons (townships, industrial parks, ...) from a GIS file
// (GeoJSON, shapefile, GeoPackage) and transforms them to TWD97 / TM2
// (EPSG:3826). A unit's id is its feature's first attribute among id,
// code, TOWNCODE, name, NAME, TOWNNAME (else its row number); its point is
// the polygon's centroid.
func Areas(path string) (Partition, error) {
	l, err := layer.Read(path, layer.Options{})
	if err != nil {
		return nil, err
	}
	src := crs.Code(l.SRID)
	if l.SRID == 0 {
		return nil, fmt.Errorf("hotspot: %s does not say its coordinate system; give a file with a CRS (GeoJSON is EPSG:4326 by definition)", path)
	}
	tr, err := crs.NewTransformer(src, crs.TWD97TM2)
	if err != nil {
		return nil, fmt.Errorf("hotspot: %s: %w", path, err)
	}
	a := &areas{index: map[int]int{}}
	for _, f := range l.Features {
		switch f.Geometry.(type) {
		case orb.Polygon, orb.MultiPolygon:
		default:
			continue
		}
		g, err := tr.Geometry(f.Geometry)
		if err != nil {
			return nil, fmt.Errorf("hotspot: %s row %d: %w", path, f.Row, err)
		}
		a.polys = append(a.polys, g)
		a.ids = append(a.ids, areaID(f))
	}
	if len(a.polys) == 0 {
		return nil, fmt.Errorf("hotspot: %s holds no polygons", path)
	}
	a.ix = spatial.NewPolygonIndex(a.polys)
	return a, nil
}

func areaID(f layer.Feature) string {
	for _, k := range []string{"id", "ID", "code", "TOWNCODE", "name", "NAME", "TOWNNAME"} {
		if v, ok := f.Props[k]; ok && v != nil {
			if s := strings.TrimSpace(fmt.Sprint(v)); s != "" {
				return s
			}
		}
	}
	return fmt.Sprintf("row%d", f.Row)
}

type areas struct {
	polys []orb.Geometry
	ids   []string
	ix    *spatial.PolygonIndex
	units []Unit
	index map[int]int // polygon → unit
}

func (a *areas) Kind() string  { return "areas" }
func (a *areas) Units() []Unit { return a.units }
func (a *areas) Band() float64 { return 0 }
func (a *areas) Assign(p orb.Point) (int, bool) {
	in := a.ix.Containing(p)
	if len(in) == 0 {
		return 0, false
	}
	poly := in[0]
	if u, ok := a.index[poly]; ok {
		return u, true
	}
	c, _ := planar.CentroidArea(a.polys[poly])
	a.index[poly] = len(a.units)
	a.units = append(a.units, Unit{ID: a.ids[poly], X: c[0], Y: c[1]})
	return len(a.units) - 1, true
}

// sortedUnits orders units by id for stable output.
func sortedUnits(us []Unit) []int {
	idx := make([]int, len(us))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return us[idx[a]].ID < us[idx[b]].ID })
	return idx
}
