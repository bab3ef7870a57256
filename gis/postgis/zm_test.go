package postgis_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store/storetest"
)

// TestDecodeZMFromPostGIS has PostGIS encode every geometry type in 2-D,
// Z, M and ZM and decodes what it returns, both as EWKB (ST_AsEWKB: flag
// bits and the SRID) and as ISO WKB (ST_AsBinary: type codes 1000, 2000,
// 3000, no SRID). Z and M are dropped; x and y come back exactly.
func TestDecodeZMFromPostGIS(t *testing.T) {
	pool := storetest.Pool(t, postgis.Options{})
	ctx := context.Background()
	line := orb.LineString{{248000.5, 2743000.25}, {248100, 2743100}}
	ring := orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 0}}
	tests := []struct {
		name string
		// wkt2 is the 2-D text; PostGIS adds the Z and M ordinates.
		wkt2 string
		want orb.Geometry
	}{
		{"point", "POINT(248000.5 2743000.25)", orb.Point{248000.5, 2743000.25}},
		{"linestring", "LINESTRING(248000.5 2743000.25,248100 2743100)", line},
		{"polygon", "POLYGON((0 0,10 0,10 10,0 0))", orb.Polygon{ring}},
		{"multipoint", "MULTIPOINT((1 2),(3 4))", orb.MultiPoint{{1, 2}, {3, 4}}},
		{"multilinestring", "MULTILINESTRING((248000.5 2743000.25,248100 2743100),(0 0,1 1))", orb.MultiLineString{line, {{0, 0}, {1, 1}}}},
		{"multipolygon", "MULTIPOLYGON(((0 0,10 0,10 10,0 0)),((20 20,21 20,21 21,20 20)))", orb.MultiPolygon{{ring}, {{{20, 20}, {21, 20}, {21, 21}, {20, 20}}}}},
		{"geometrycollection", "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(248000.5 2743000.25,248100 2743100))", orb.Collection{orb.Point{1, 2}, line}},
	}
	for _, tc := range tests {
		for _, dim := range []string{"2D", "Z", "M", "ZM"} {
			t.Run(tc.name+" "+dim, func(t *testing.T) {
				var ewkbB, isoB []byte
				// ST_Force3DZ/3DM/4D add Z = 0 and M = 0; the decoder
				// must skip them wherever they sit.
				force := map[string]string{"2D": "st_force2d", "Z": "st_force3dz", "M": "st_force3dm", "ZM": "st_force4d"}[dim]
				q := `select st_asewkb(g), st_asbinary(g) from (select ` + force + `(st_geomfromtext($1, 3826)) g) x`
				if err := pool.QueryRow(ctx, q, tc.wkt2).Scan(&ewkbB, &isoB); err != nil {
					t.Fatal(err)
				}
				g, srid, err := postgis.ParseEWKB(ewkbB)
				if err != nil || srid != 3826 || !orb.Equal(g, tc.want) {
					t.Errorf("EWKB: %v srid %d (%v), want %v srid 3826", g, srid, err, tc.want)
				}
				g, srid, err = postgis.ParseEWKB(isoB)
				if err != nil || srid != 0 || !orb.Equal(g, tc.want) {
					t.Errorf("ISO WKB: %v srid %d (%v), want %v", g, srid, err, tc.want)
				}
			})
		}
	}
}
