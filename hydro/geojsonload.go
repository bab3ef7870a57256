package hydro

import (
	"fmt"

	"github.com/envtrace/envtrace/gis/layer"
)

// readGeoJSONReaches reads a GeoJSON network straight into the builder's
// columnar input, feature by feature from the streaming scanner
// (layer.GeoJSON): the same columns, values and errors as FromLayer over
// layer.Read, without the file held whole, a feature and a property map
// per feature, nor a Reach kept per feature (docs/performance.md, "Peak
// memory while loading").
//
// A file the scanner refuses (not a FeatureCollection, or a syntax error
// its first pass finds) and a header the column rules refuse are read by
// the generic path, whose answer, reaches or error, is the reference.
func readGeoJSONReaches(path string, opt LoadOptions) (*reachCols, *Source, error) {
	g, err := layer.OpenGeoJSON(path, layer.Options{Layer: opt.Layer, Progress: opt.ReadProgress})
	if err != nil {
		return readLayerReaches(path, opt)
	}
	defer g.Close()
	cols, err := resolveColumns(g.Fields())
	if err != nil {
		return readLayerReaches(path, opt)
	}
	rs := newReachSet(cols, g.Len())
	jr := jsonRow{g}
	// layer.Read reports an error in any feature's geometry before the
	// column rules see a row: after a row's error, the features left are
	// still read for one.
	var rowErr error
	err = layer.ReadMapped(path, func() error {
		for g.Next() {
			if rowErr != nil {
				continue
			}
			if l, ok := g.Line(); ok {
				rowErr = rs.readLine(&jr, g.Row()-1, g.Row(), l)
			} else {
				rowErr = rs.read(&jr, g.Row()-1, g.Row(), g.Geometry())
			}
		}
		return g.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	if rowErr != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, rowErr)
	}
	if rs.out.n == 0 {
		return nil, nil, fmt.Errorf("%s: layer %q has no features", path, g.Name())
	}
	reaches, src, err := rs.finish(&Source{Layer: g.Name(), SRID: g.SRID()}, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return reaches, src, nil
}

// jsonRow reads the current feature of a GeoJSON scan. Its values are
// those layer.Read gives a property, so both paths read a file alike;
// integers and decimals, nearly every value of a network file, take the
// CSV reader's fast path.
type jsonRow struct{ g *layer.GeoJSON }

func (r *jsonRow) text(col int) string {
	if col < 0 {
		return ""
	}
	if b := r.g.Raw(col); isCanonicalInt(b) {
		return string(b)
	}
	return valueText(r.g.Value(col))
}

func (r *jsonRow) number(col int) (float64, bool) {
	if col < 0 {
		return Missing, false
	}
	if k := r.g.Kind(col); k == '-' || k >= '0' && k <= '9' {
		// A zero takes the slow path, which keeps the sign of "-0.0".
		if v, ok := parseDecimal(r.g.Raw(col)); ok && v != 0 {
			return present(v)
		}
	}
	return valueNumber(r.g.Value(col))
}
