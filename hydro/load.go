package hydro

import (
	"context"
	"fmt"
	"math"
	"slices"
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
	// (features, or bytes for GeoJSON), for progress on large files.
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
	// Rows maps each reach (by id) to the 1-based source row it came from.
	Rows map[string]int
}

// Load reads a network from a GeoJSON, GeoPackage, CSV or shapefile and
// builds it.
func Load(ctx context.Context, path string, opt LoadOptions) (*Network, *Source, error) {
	l, err := layer.Read(path, layer.Options{Layer: opt.Layer, Progress: opt.ReadProgress})
	if err != nil {
		return nil, nil, err
	}
	reaches, src, err := FromLayer(l, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	src.Path = path
	bo := opt.Build
	bo.SnapTolerance = opt.SnapTolerance
	bo.Geographic, err = geographicCRS(path, src.SRID, reaches, src.Rows)
	if err != nil {
		return nil, src, fmt.Errorf("%s: %w", path, err)
	}
	bo.KeepGeometry = true
	net, err := Build(ctx, reaches, bo)
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

// isGeographic guesses whether coordinates are degrees, for the noding
// tolerance before Load's CRS check (geographicCRS) refuses contradictions.
func isGeographic(srid int, reaches []Reach) bool {
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

// fields resolves column names case-insensitively.
type fields map[string]string

func newFields(names []string) fields {
	f := fields{}
	for _, n := range names {
		k := strings.ToLower(n)
		if _, ok := f[k]; !ok {
			f[k] = n
		}
	}
	return f
}

// find returns the actual name of the first candidate present.
func (f fields) find(cands ...string) string {
	for _, c := range cands {
		if n, ok := f[c]; ok {
			return n
		}
	}
	return ""
}

func propString(p map[string]any, name string) string {
	if name == "" {
		return ""
	}
	switch v := p[name].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e18 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		return fmt.Sprint(v)
	}
}

// propFloat reads a number; NHDPlus codes -9999 and -9998 mean missing.
func propFloat(p map[string]any, name string) (float64, bool) {
	if name == "" {
		return Missing, false
	}
	var f float64
	switch v := p[name].(type) {
	case float64:
		f = v
	case int64:
		f = float64(v)
	case int:
		f = float64(v)
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return Missing, false
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return Missing, false
		}
		f = x
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	default:
		return Missing, false
	}
	if f == -9999 || f == -9998 || math.IsNaN(f) {
		return Missing, false
	}
	return f, true
}

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
	f := newFields(l.Fields)
	src := &Source{Layer: l.Name, SRID: l.SRID, Rows: map[string]int{}}
	idCol := f.find("comid", "id", "link", "featureid", "reach_id", "reachid", "nhdplusid", "permanent_identifier")
	hasNHD := f.find("hydroseq") != "" && f.find("dnhydroseq") != ""
	toCol := f.find("toid", "to", "tocomid", "to_id")
	fromNode, toNode := f.find("fromnode", "from_node"), f.find("tonode", "to_node")
	nameCol := f.find("gnis_name", "name", "river", "stream")
	lenCol := f.find("lengthkm", "length_km")
	lenMCol := ""
	if lenCol == "" && f.find("link") != "" {
		lenMCol = f.find("length") // NOAA RouteLink lengths are metres
	}
	velCol, velToFps, err := findVelocity(f)
	if err != nil {
		return nil, nil, err
	}
	orderCol := f.find(orderColumns...)
	daCol := f.find("totdasqkm", "totda", "drainage_area_sqkm")
	divCol := f.find("divergence")
	codeCol, fromMeasCol, toMeasCol := f.find("reachcode"), f.find("frommeas"), f.find("tomeas")

	var out []Reach
	byID := map[string]int{}
	for k, ft := range l.Features {
		p := ft.Props
		row := ft.Row
		if row == 0 {
			row = k + 1
		}
		line, err := lineOf(ft.Geometry)
		if err != nil {
			return nil, nil, fmt.Errorf("row %d: %w", row, err)
		}
		r := Reach{
			Name:        propString(p, nameCol),
			LengthKm:    Missing,
			VelocityFps: Missing,
			TotDASqKm:   Missing,
			Geometry:    line,
		}
		if idCol != "" {
			r.ID = propString(p, idCol)
			if r.ID == "" {
				return nil, nil, fmt.Errorf("row %d: empty %s", row, idCol)
			}
		} else {
			r.ID = strconv.Itoa(k + 1)
		}
		if v, ok := propFloat(p, lenCol); ok {
			r.LengthKm = v
		} else if v, ok := propFloat(p, lenMCol); ok {
			r.LengthKm = v / 1000
		}
		if v, ok := propFloat(p, velCol); ok && v > 0 {
			r.VelocityFps = v * velToFps
			if err := checkVelocity(r.VelocityFps, velCol, row, r.ID); err != nil {
				return nil, nil, err
			}
		}
		if v, ok := propFloat(p, orderCol); ok && v > 0 {
			r.StreamOrder = int(v)
		}
		if v, ok := propFloat(p, daCol); ok {
			r.TotDASqKm = v
		}
		if v, ok := propFloat(p, divCol); ok {
			r.Divergence = int(v)
		}
		r.ReachCode, r.FromMeas, r.ToMeas = reachCodeOf(p, codeCol, fromMeasCol, toMeasCol)
		switch {
		case hasNHD:
			get := func(cands ...string) float64 {
				v, _ := propFloat(p, f.find(cands...))
				return orZero(v)
			}
			// NHDPlus writes -9999 where it has no value (coastline
			// reaches have no pathlength); Build then computes it.
			pl, ok := propFloat(p, f.find("pathlength", "pathlength_km"))
			if !ok {
				pl = Missing
			}
			r.NHD = &NHDAttrs{
				Hydroseq:       get("hydroseq"),
				DnHydroseq:     get("dnhydroseq"),
				DnMinorHyd:     get("dnminorhyd"),
				UpHydroseq:     get("uphydroseq"),
				LevelPathID:    get("levelpathi", "levelpathid"),
				TerminalPathID: get("terminalpa", "terminalpathid"),
				PathLength:     pl,
				StartFlag:      int(get("startflag")),
				TerminalFlag:   int(get("terminalfl", "terminalflag")),
				FCode:          int(get("fcode")),
			}
		case toCol != "":
			if t := propString(p, toCol); t != "" {
				r.ToIDs = []string{t}
			}
		case fromNode != "" && toNode != "":
			r.FromNode = propString(p, fromNode)
			r.ToNode = propString(p, toNode)
		}
		if toCol != "" && !hasNHD {
			if j, seen := byID[r.ID]; seen && len(r.ToIDs) == 1 && !slices.Contains(out[j].ToIDs, r.ToIDs[0]) {
				out[j].ToIDs = append(out[j].ToIDs, r.ToIDs[0])
				continue
			}
		}
		if _, seen := byID[r.ID]; !seen {
			byID[r.ID] = len(out)
		}
		src.Rows[r.ID] = row
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("layer %q has no features", l.Name)
	}
	if !hasNHD && toCol == "" && (fromNode == "" || toNode == "") {
		var err error
		out, err = nodeGeometry(out, src, idCol != "", opt)
		if err != nil {
			return nil, nil, err
		}
	}
	return out, src, nil
}

// nodeGeometry derives fromnode/tonode from line ends, splitting lines at
// T-junctions. Split pieces of a reach with a source id get "id.1", "id.2";
// without an id column every output line is numbered 1..n in file order.
func nodeGeometry(in []Reach, src *Source, haveIDs bool, opt LoadOptions) ([]Reach, error) {
	tol := opt.SnapTolerance
	if tol <= 0 {
		tol = 0.5
		if isGeographic(src.SRID, in) {
			tol = 5e-6
		}
	}
	// Lines collapsed to a point with first vertex = last are DEM pits:
	// they are kept as sinks and noded by position, not by linework.
	var lines []orb.LineString
	var lineOf []int // index into in
	var pits []int
	for i := range in {
		g := in[i].Geometry
		if reason := lineProblem(g); reason != "" {
			if len(g) >= 2 && g[0] == g[len(g)-1] && !strings.Contains(reason, "finite") {
				pits = append(pits, i)
				continue
			}
			return nil, &BuildError{Problems: []Problem{&GeometryError{ID: in[i].ID, Row: src.Rows[in[i].ID], Reason: reason}}}
		}
		lines = append(lines, g)
		lineOf = append(lineOf, i)
	}
	res, err := linework.Node(lines, linework.Options{Tolerance: tol, SplitTJunctions: true})
	if err != nil {
		return nil, err
	}
	src.Splits = res.Splits
	count := map[int]int{}
	for _, s := range res.Source {
		count[lineOf[s]]++
	}
	type piece struct {
		in       int
		line     orb.LineString
		from, to int
	}
	var pieces []piece
	for i, line := range res.Lines {
		pieces = append(pieces, piece{lineOf[res.Source[i]], line, res.FromNode[i], res.ToNode[i]})
	}
	nodes := len(res.NodeXY)
	for _, i := range pits {
		pt := in[i].Geometry[0]
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
		pieces = append(pieces, piece{i, in[i].Geometry, node, node})
		count[i] = 1
	}
	// Keep file order: pieces of input line i, in digitised order.
	sort.SliceStable(pieces, func(a, b int) bool { return pieces[a].in < pieces[b].in })
	rows := map[string]int{}
	out := make([]Reach, len(pieces))
	seq := map[int]int{}
	for k, pc := range pieces {
		r := in[pc.in]
		r.Geometry = pc.line
		if count[pc.in] > 1 {
			r.LengthKm = Missing
		}
		seq[pc.in]++
		switch {
		case !haveIDs:
			r.ID = strconv.Itoa(k + 1)
		case count[pc.in] > 1:
			r.ID = fmt.Sprintf("%s.%d", in[pc.in].ID, seq[pc.in])
		}
		r.FromNode = strconv.Itoa(pc.from + 1)
		r.ToNode = strconv.Itoa(pc.to + 1)
		rows[r.ID] = src.Rows[in[pc.in].ID]
		out[k] = r
	}
	src.Rows = rows
	return out, nil
}
