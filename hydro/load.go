package hydro

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/gis/linework"
)

// LoadOptions tune reading a network from a GIS file.
type LoadOptions struct {
	// Layer picks the layer of a multi-layer file; "" takes the first line
	// layer.
	Layer string
	// SnapTolerance is the distance within which line ends meet when the
	// topology comes from geometry alone, in the file's units; 0 picks
	// 0.5 m for projected data and 5e-6° (about half a metre) for lon/lat.
	SnapTolerance float64
	// Build is passed to Build.
	Build Options
	// ReadProgress, when set, is told how much of the file has been read
	// (features, or bytes for GeoJSON and CSV), for progress on large
	// files.
	ReadProgress func(done, total int)
}

// Source describes where a loaded network came from, for summaries.
type Source struct {
	Path     string
	Layer    string
	SRID     int
	Topology Topology
	// Splits counts T-junction splits made when noding geometry.
	Splits int
	// Rows holds the 1-based source row of each reach, parallel to the
	// reaches FromLayer returns (4 bytes a reach, not a map by id).
	Rows []int32
}

// Load reads a network from a GeoJSON, GeoPackage, CSV or shapefile and
// builds it.
func Load(ctx context.Context, path string, opt LoadOptions) (*Network, *Source, error) {
	reaches, src, err := readReaches(path, opt)
	if err != nil {
		return nil, nil, err
	}
	src.Path = path
	bo := opt.Build
	bo.SnapTolerance = opt.SnapTolerance
	bo.Geographic, err = geographicCRS(path, src.SRID, reaches, src.Rows)
	if err != nil {
		return nil, src, fmt.Errorf("%s: %w", path, err)
	}
	bo.KeepGeometry = true
	net, err := build(ctx, reaches, bo)
	if err != nil {
		return nil, src, fmt.Errorf("%s: %w", path, err)
	}
	src.Topology = net.Topology
	net.SRID = src.SRID
	if net.SRID == 0 && bo.Geographic {
		net.SRID = 4326
	}
	return net, src, nil
}

// ReadReaches reads a network file's reaches as Load does, CSV and
// GeoJSON through the streaming readers (other formats, and files those
// hand on, through layer.Read and FromLayer), for callers that store the
// reaches rather than build them, such as the PostGIS import: the same
// reaches, rows and errors as FromLayer over layer.Read
// (TestCSVReaderMatchesGeneric, TestGeoJSONReaderMatchesGeneric) without
// a whole-file layer of generic features.
func ReadReaches(path string, opt LoadOptions) ([]Reach, *Source, error) {
	cols, src, err := readReaches(path, opt)
	if err != nil {
		return nil, nil, err
	}
	return cols.reaches(), src, nil
}

// rowOf is the source row of reach i, i+1 when rows are not known.
func rowOf(rows []int32, i int) int {
	if i < len(rows) {
		return int(rows[i])
	}
	return i + 1
}

// readReaches reads a network file's reaches into the builder's input:
// CSV and GeoJSON streamed straight into it, other formats through their
// generic layer.
func readReaches(path string, opt LoadOptions) (*reachCols, *Source, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return readCSVReaches(path, opt)
	case ".geojson", ".json":
		return readGeoJSONReaches(path, opt)
	}
	return readLayerReaches(path, opt)
}

// readLayerReaches reads a network file through its generic layer
// (layer.Read, then FromLayer's column rules).
func readLayerReaches(path string, opt LoadOptions) (*reachCols, *Source, error) {
	l, err := layer.Read(path, layer.Options{Layer: opt.Layer, Progress: opt.ReadProgress})
	if err != nil {
		return nil, nil, err
	}
	reaches, src, err := fromLayer(l, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return reaches, src, nil
}

// isGeographic guesses whether coordinates are degrees, for the noding
// tolerance before Load's CRS check (geographicCRS) refuses contradictions.
func isGeographic(srid int, reaches *reachCols) bool {
	g, err := geographicCRS("", srid, reaches, nil)
	return g || (err != nil && srid != 0)
}

// orderColumns are the stream-order column names a network file may carry,
// case-insensitive, in order of preference: NHDPlus (StreamOrde), the NLDI
// and hydroloom spellings, and strord from DEM stream tools (GRASS
// r.stream.order, TauDEM, waterswak). A file's own order replaces the
// computed Strahler order: an extract that keeps only large streams knows
// orders its lines alone cannot show.
var orderColumns = []string{"streamorde", "streamorder", "stream_order", "strord", "strahler", "order"}

func orZero(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return f
}

// lineOf flattens a feature's geometry into one polyline in digitised
// order; multi-part lines are joined part after part.
func lineOf(g orb.Geometry) (orb.LineString, error) {
	switch t := g.(type) {
	case nil:
		return nil, nil
	case orb.LineString:
		return t, nil
	case orb.MultiLineString:
		var out orb.LineString
		for _, part := range t {
			if len(out) > 0 && len(part) > 0 && out[len(out)-1] == part[0] {
				part = part[1:]
			}
			out = append(out, part...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("geometry is a %s, not a line", g.GeoJSONType())
}

// FromLayer maps a GIS layer's columns onto reaches, choosing the richest
// topology source the columns offer (see the package doc). Rows sharing an
// id in an id → toid table are one reach that divides.
func FromLayer(l *layer.Layer, opt LoadOptions) ([]Reach, *Source, error) {
	reaches, src, err := fromLayer(l, opt)
	if err != nil {
		return nil, nil, err
	}
	return reaches.reaches(), src, nil
}

// fromLayer is FromLayer into the builder's input.
func fromLayer(l *layer.Layer, opt LoadOptions) (*reachCols, *Source, error) {
	cols, err := resolveColumns(l.Fields)
	if err != nil {
		return nil, nil, err
	}
	src := &Source{Layer: l.Name, SRID: l.SRID}
	rs := newReachSet(cols, len(l.Features))
	fr := featureRow{names: l.Fields}
	for k, ft := range l.Features {
		row := ft.Row
		if row == 0 {
			row = k + 1
		}
		fr.props = ft.Props
		if err := rs.read(&fr, k, row, ft.Geometry); err != nil {
			return nil, nil, err
		}
	}
	if rs.out.n == 0 {
		return nil, nil, fmt.Errorf("layer %q has no features", l.Name)
	}
	return rs.finish(src, opt)
}

// nodeGeometry derives fromnode/tonode from line ends, splitting lines at
// T-junctions. Split pieces of a reach with a source id get "id.1", "id.2";
// without an id column every output line is numbered 1..n in file order.
func nodeGeometry(in *reachCols, src *Source, haveIDs bool, opt LoadOptions) (*reachCols, error) {
	tol := opt.SnapTolerance
	if tol <= 0 {
		tol = 0.5
		if isGeographic(src.SRID, in) {
			tol = 5e-6
		}
	}
	// Lines collapsed to a point with first vertex = last are DEM pits:
	// they are kept as sinks and noded by position, not by linework.
	lines := make([]orb.LineString, 0, in.n)
	lineOf := make([]int, 0, in.n) // index into in
	var pits []int
	for i := range in.n {
		g := in.geometry(i)
		if reason := lineProblem(g); reason != "" {
			if len(g) >= 2 && g[0] == g[len(g)-1] && !strings.Contains(reason, "finite") {
				pits = append(pits, i)
				continue
			}
			return nil, &BuildError{Problems: []Problem{&GeometryError{ID: in.id(i), Row: rowOf(src.Rows, i), Reason: reason}}}
		}
		lines = append(lines, g)
		lineOf = append(lineOf, i)
	}
	res, err := linework.Node(lines, linework.Options{Tolerance: tol, SplitTJunctions: true})
	if err != nil {
		return nil, err
	}
	src.Splits = res.Splits
	count := make([]int32, in.n) // output pieces per input reach
	for _, s := range res.Source {
		count[lineOf[s]]++
	}
	type piece struct {
		in       int
		line     orb.LineString
		from, to int
	}
	pieces := make([]piece, 0, len(res.Lines)+len(pits))
	for i, line := range res.Lines {
		pieces = append(pieces, piece{lineOf[res.Source[i]], line, res.FromNode[i], res.ToNode[i]})
	}
	nodes := len(res.NodeXY)
	for _, i := range pits {
		pt := in.geometry(i)[0]
		node := -1
		for k, xy := range res.NodeXY {
			if math.Hypot(xy[0]-pt[0], xy[1]-pt[1]) <= tol {
				node = k
				break
			}
		}
		if node < 0 {
			node = nodes
			nodes++
		}
		pieces = append(pieces, piece{i, in.geometry(i), node, node})
		count[i] = 1
	}
	// Keep file order: pieces of input line i, in digitised order (they
	// are, but for the pits appended last).
	if len(pits) > 0 {
		sort.SliceStable(pieces, func(a, b int) bool { return pieces[a].in < pieces[b].in })
	}
	rows := make([]int32, len(pieces))
	out := newReachCols(len(pieces))
	seq := make([]int32, in.n)
	// Node ids go into their columns as the integers they are, not as
	// text to be parsed back.
	fromNode, toNode := make([]int64, len(pieces)), make([]int64, len(pieces))
	for k, pc := range pieces {
		r := in.reach(pc.in)
		r.Geometry = pc.line
		if count[pc.in] > 1 {
			r.LengthKm = Missing
		}
		seq[pc.in]++
		switch {
		case !haveIDs:
			r.ID = strconv.Itoa(k + 1)
		case count[pc.in] > 1:
			r.ID = fmt.Sprintf("%s.%d", in.id(pc.in), seq[pc.in])
		}
		r.FromNode, r.ToNode = "", ""
		fromNode[k], toNode[k] = int64(pc.from+1), int64(pc.to+1)
		rows[k] = int32(rowOf(src.Rows, pc.in))
		out.add(&r)
	}
	out.fromNode, out.toNode = textCol{num: fromNode}, textCol{num: toNode}
	src.Rows = rows
	return out, nil
}
