package crs_test

import (
	"fmt"
	"math"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/paulmach/orb"
)

// Project the Touqian river mouth from WGS84 longitude/latitude to the
// TWD97 TM2 grid used by Taiwanese agencies, and back.
func ExampleTransform() {
	mouth := orb.Point{120.9331, 24.8501} // lon, lat
	xy, err := crs.Transform(crs.WGS84, crs.TWD97TM2, mouth)
	if err != nil {
		panic(err)
	}
	fmt.Printf("x=%.3f y=%.3f\n", xy[0], xy[1])

	back, err := crs.Transform(crs.TWD97TM2, crs.WGS84, xy)
	if err != nil {
		panic(err)
	}
	fmt.Printf("lon=%.6f lat=%.6f\n", back[0], back[1])
	// Output:
	// x=243238.943 y=2749176.194
	// lon=120.933100 lat=24.850100
}

// Parse the CRS spellings found in files and OGC requests.
func ExampleParse() {
	for _, s := range []string{
		"EPSG:3826",
		"urn:ogc:def:crs:EPSG::3826",
		"http://www.opengis.net/def/crs/OGC/1.3/CRS84",
	} {
		c, err := crs.Parse(s)
		if err != nil {
			panic(err)
		}
		fmt.Println(c, c.EPSG(), c.IsGeographic(), c.LatLonAxisOrder())
	}
	_, err := crs.Parse("EPSG:3857")
	fmt.Println(err != nil)
	// Output:
	// EPSG:3826 3826 false false
	// EPSG:3826 3826 false false
	// OGC:CRS84 4326 true false
	// true
}

// Reproject a whole line without touching the original.
func ExampleTransformGeometry() {
	line := orb.LineString{{121.0, 24.0}, {121.5654, 25.033}}
	g, err := crs.TransformGeometry(crs.WGS84, crs.TWD97TM2, line)
	if err != nil {
		panic(err)
	}
	for _, p := range g.(orb.LineString) {
		fmt.Printf("%.3f %.3f\n", p[0], p[1])
	}
	// Output:
	// 250000.000 2655023.125
	// 307056.819 2769551.837
}

// A Transformer validates the pair of systems once for bulk work.
func ExampleNewTransformer() {
	t, err := crs.NewTransformer(crs.TWD97TM2, crs.WGS84)
	if err != nil {
		panic(err)
	}
	p := t.Point(orb.Point{250000, 2655023.125})
	fmt.Printf("%.6f %.6f\n", p[0], p[1])
	// Output:
	// 121.000000 24.000000
}

// Recognise the CRS of a shapefile from its .prj text.
func ExampleFromWKT() {
	prj := `PROJCS["TWD97_TM2_zone_121",GEOGCS["GCS_TWD97",DATUM["D_TWD_1997",SPHEROID["GRS_1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",121],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",250000],PARAMETER["false_northing",0],UNIT["Meter",1]]`
	c, ok := crs.FromWKT(prj)
	fmt.Println(c, ok)
	// Output:
	// EPSG:3826 true
}

// Measure on a local grid in Pittsburgh, where TWD97 / TM2 does not apply:
// Clairton Coke Works lies 2.2 km from the Liberty monitor at 199°.
func ExamplePlanarFor() {
	liberty, clairton := orb.Point{-79.868062, 40.323768}, orb.Point{-79.876692, 40.305062}
	p, err := crs.PlanarFor(orb.Bound{Min: liberty, Max: liberty}.Extend(clairton))
	if err != nil {
		panic(err)
	}
	x1, y1 := p.Forward(liberty[0], liberty[1])
	x2, y2 := p.Forward(clairton[0], clairton[1])
	fmt.Printf("%.2f km at %.0f°\n", math.Hypot(x2-x1, y2-y1)/1000, math.Mod(math.Atan2(x2-x1, y2-y1)*180/math.Pi+360, 360))
	// Output: 2.20 km at 199°
}
