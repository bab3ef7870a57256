package layer_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/layer"
)

// Read a small GeoJSON stream network in TWD97 TM2 and look attributes up
// without caring about their case.
func ExampleRead() {
	dir, err := os.MkdirTemp("", "layer-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "streams.geojson")
	err = os.WriteFile(path, []byte(`{"type": "FeatureCollection",
 "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3826"}},
 "features": [
  {"type": "Feature", "properties": {"COMID": 1, "StreamOrde": 6},
   "geometry": {"type": "LineString", "coordinates": [[250000, 2655023.125], [250100, 2655000]]}}]}`), 0o644)
	if err != nil {
		log.Fatal(err)
	}

	l, err := layer.Read(path, layer.Options{})
	if err != nil {
		log.Fatal(err)
	}
	f := l.Features[0]
	comid, _ := f.Int64("comid")
	order, _ := f.Int64("streamorde")
	fmt.Println(l.Name, l.SRID, l.GeometryType(), l.Fields)
	fmt.Println(comid, order)

	// Bring the geometry to WGS84 longitude/latitude.
	g, err := crs.TransformGeometry(crs.Code(l.SRID), crs.WGS84, f.Geometry)
	if err != nil {
		log.Fatal(err)
	}
	ne := g.Bound().Max
	fmt.Printf("%.4f %.4f\n", ne[0], ne[1])
	// Output:
	// streams 3826 LINESTRING [COMID StreamOrde]
	// 1 6
	// 121.0010 24.0000
}

// Read the NHDPlus flowlines of a GeoPackage: with no layer named, the
// largest line layer (NHDFlowline_Network) is chosen.
func ExampleRead_geoPackage() {
	l, err := layer.Read("../shared/data/nhdplus/new_hope.gpkg", layer.Options{
		Progress: func(done, total int) { fmt.Fprintf(os.Stderr, "\r%d/%d", done, total) },
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range l.Features[:3] {
		comid, _ := f.Int64("COMID")
		q, _ := f.Float("QE_MA")
		fmt.Println(f.Row, comid, q)
	}
}

// List the layers of a GeoPackage so that a user can pick one.
func ExampleLayers() {
	infos, err := layer.Layers("../shared/data/nhdplus/new_hope.gpkg")
	if err != nil {
		log.Fatal(err)
	}
	for _, li := range infos {
		fmt.Printf("%-24s %-16s EPSG:%d %d\n", li.Name, li.GeometryType, li.SRID, li.Count)
	}
}
