package layer

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/envtrace/envtrace/gis/crs"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
)

// gpkgTable is one row of gpkg_contents joined with its geometry column.
type gpkgTable struct {
	name     string
	dataType string // features or attributes
	geomCol  string
	geomType string // upper-case geometry_type_name, "" for attribute tables
	srsID    int
}

// openGPKG opens a GeoPackage strictly read-only: the shared data directory
// is read-only, and immutable=1 stops SQLite from looking for journals or
// taking locks there.
func openGPKG(path string) (*sql.DB, error) {
	base := filepath.Base(path)
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", base, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", base, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("layer: %s: is a directory", base)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro&immutable=1"}
	// url.URL renders an absolute path as file:///abs; SQLite accepts that.
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", base, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// gpkgTables lists feature and attribute tables in gpkg_contents order.
func gpkgTables(db *sql.DB, base string) ([]gpkgTable, error) {
	rows, err := db.Query(`SELECT c.table_name, c.data_type, COALESCE(g.column_name, ''),
		COALESCE(g.geometry_type_name, ''), COALESCE(g.srs_id, c.srs_id, 0)
		FROM gpkg_contents c LEFT JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		WHERE c.data_type IN ('features', 'attributes')
		ORDER BY c.rowid`)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: not a readable GeoPackage: %w", base, err)
	}
	defer rows.Close()
	var ts []gpkgTable
	for rows.Next() {
		var t gpkgTable
		if err := rows.Scan(&t.name, &t.dataType, &t.geomCol, &t.geomType, &t.srsID); err != nil {
			return nil, fmt.Errorf("layer: %s: gpkg_contents: %w", base, err)
		}
		t.geomType = strings.ToUpper(t.geomType)
		if t.dataType == "features" && t.geomCol == "" {
			return nil, fmt.Errorf("layer: %s: feature table %q has no entry in gpkg_geometry_columns", base, t.name)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("layer: %s: gpkg_contents: %w", base, err)
	}
	return ts, nil
}

// gpkgSRID turns a GeoPackage srs_id into an EPSG code: directly when the
// organization is EPSG, otherwise by recognising the WKT definition
// (nhdplusTools writes NAD83 data under srs_id 100000, organization NONE).
// 0 and -1 are the GeoPackage "undefined" systems.
func gpkgSRID(db *sql.DB, srsID int) int {
	if srsID <= 0 {
		return 0
	}
	var org, def sql.NullString
	var orgID sql.NullInt64
	err := db.QueryRow(`SELECT organization, organization_coordsys_id, definition
		FROM gpkg_spatial_ref_sys WHERE srs_id = ?`, srsID).Scan(&org, &orgID, &def)
	if err != nil {
		return 0
	}
	if strings.EqualFold(strings.TrimSpace(org.String), "EPSG") && orgID.Valid && orgID.Int64 > 0 {
		return int(orgID.Int64)
	}
	if c, ok := crs.FromWKT(def.String); ok {
		return c.EPSG()
	}
	return 0
}

func isLineType(t string) bool {
	return t == "LINESTRING" || t == "MULTILINESTRING"
}

func gpkgCount(db *sql.DB, table string) (int, error) {
	var n int
	err := db.QueryRow(`SELECT COUNT(*) FROM ` + quoteIdent(table)).Scan(&n)
	return n, err
}

func gpkgLayers(path string) ([]LayerInfo, error) {
	base := filepath.Base(path)
	db, err := openGPKG(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ts, err := gpkgTables(db, base)
	if err != nil {
		return nil, err
	}
	out := make([]LayerInfo, 0, len(ts))
	for _, t := range ts {
		n, err := gpkgCount(db, t.name)
		if err != nil {
			return nil, fmt.Errorf("layer: %s: layer %q: %w", base, t.name, err)
		}
		out = append(out, LayerInfo{Name: t.name, GeometryType: t.geomType, SRID: gpkgSRID(db, t.srsID), Count: n})
	}
	return out, nil
}

// chooseTable applies Options.Layer: an exact (then case-insensitive)
// name match, or the default choice. By default the line layer with the
// most features wins: a river-network file's main layer. (NHDPlus
// GeoPackages list a small NHDFlowline_NonNetwork layer before
// NHDFlowline_Network, so "first line layer" would pick the wrong one.)
func chooseTable(db *sql.DB, base string, ts []gpkgTable, want string) (gpkgTable, error) {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.name
	}
	if want != "" {
		for _, t := range ts {
			if t.name == want {
				return t, nil
			}
		}
		for _, t := range ts {
			if strings.EqualFold(t.name, want) {
				return t, nil
			}
		}
		return gpkgTable{}, &layerNotFoundError{file: base, want: want, have: names}
	}
	best, bestN := -1, -1
	for i, t := range ts {
		if t.dataType != "features" || !isLineType(t.geomType) {
			continue
		}
		n, err := gpkgCount(db, t.name)
		if err != nil {
			return gpkgTable{}, fmt.Errorf("layer: %s: layer %q: %w", base, t.name, err)
		}
		if n > bestN {
			best, bestN = i, n
		}
	}
	if best >= 0 {
		return ts[best], nil
	}
	for _, t := range ts {
		if t.dataType == "features" {
			return t, nil
		}
	}
	if len(ts) > 0 {
		return ts[0], nil
	}
	return gpkgTable{}, &layerNotFoundError{file: base, want: want}
}

type gpkgColumn struct {
	name string
	typ  string // declared type, upper case
}

func gpkgColumns(db *sql.DB, table string) ([]gpkgColumn, error) {
	rows, err := db.Query(`SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []gpkgColumn
	for rows.Next() {
		var c gpkgColumn
		if err := rows.Scan(&c.name, &c.typ); err != nil {
			return nil, err
		}
		c.typ = strings.ToUpper(c.typ)
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, errors.New("table has no columns")
	}
	return cols, nil
}

func readGPKG(path string, opt Options) (*Layer, error) {
	base := filepath.Base(path)
	db, err := openGPKG(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ts, err := gpkgTables(db, base)
	if err != nil {
		return nil, err
	}
	t, err := chooseTable(db, base, ts, opt.Layer)
	if err != nil {
		return nil, err
	}
	layerErr := func(err error) error {
		return fmt.Errorf("layer: %s: layer %q: %w", base, t.name, err)
	}
	cols, err := gpkgColumns(db, t.name)
	if err != nil {
		return nil, layerErr(err)
	}
	total, err := gpkgCount(db, t.name)
	if err != nil {
		return nil, layerErr(err)
	}

	l := &Layer{Name: t.name, SRID: gpkgSRID(db, t.srsID)}
	geomIdx := -1
	sel := make([]string, len(cols))
	for i, c := range cols {
		q := quoteIdent(c.name)
		switch {
		case c.name == t.geomCol:
			geomIdx = i
		case strings.Contains(c.typ, "DATE") || strings.Contains(c.typ, "TIME"):
			// Unary + drops the declared type, so the driver hands
			// back the stored text instead of converting it to time.Time.
			q = "+" + q
		}
		sel[i] = q
		if i != geomIdx {
			l.Fields = append(l.Fields, c.name)
		}
	}
	if t.dataType == "features" && geomIdx < 0 {
		return nil, layerErr(fmt.Errorf("geometry column %q not found in the table", t.geomCol))
	}

	rows, err := db.Query(`SELECT ` + strings.Join(sel, ", ") + ` FROM ` + quoteIdent(t.name))
	if err != nil {
		return nil, layerErr(err)
	}
	defer rows.Close()

	sc := newSchema(l.Fields)
	prog := newProgress(opt.Progress, total)
	l.Features = make([]Feature, 0, total)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := 0
	for rows.Next() {
		row++
		if err := rows.Scan(ptrs...); err != nil {
			return nil, &RowError{File: path, Layer: t.name, Row: row, Err: err}
		}
		f := Feature{Row: row, Props: make(map[string]any, len(cols)), schema: sc}
		for i, c := range cols {
			v := vals[i]
			if i == geomIdx {
				switch b := v.(type) {
				case nil:
				case []byte:
					g, _, err := decodeGPKGBlob(b)
					if err != nil {
						return nil, &RowError{File: path, Layer: t.name, Row: row, Field: c.name, Err: err}
					}
					f.Geometry = g
				default:
					return nil, &RowError{File: path, Layer: t.name, Row: row, Field: c.name,
						Err: fmt.Errorf("geometry is %T, not a blob", v)}
				}
				continue
			}
			f.Props[c.name] = gpkgValue(v, c.typ)
		}
		l.Features = append(l.Features, f)
		prog.update(row)
	}
	if err := rows.Err(); err != nil {
		return nil, &RowError{File: path, Layer: t.name, Row: row + 1, Err: err}
	}
	prog.total = row
	prog.finish()
	return l, nil
}

// gpkgValue maps a driver value to the Props types: INTEGER → int64 (bool
// for BOOLEAN columns), REAL → float64, TEXT → string, NULL → nil, BLOB →
// string of its bytes.
func gpkgValue(v any, typ string) any {
	switch v := v.(type) {
	case nil:
		return nil
	case int64:
		if typ == "BOOLEAN" {
			return v != 0
		}
		return v
	case float64, string, bool:
		return v
	case []byte:
		return string(v)
	default:
		return fmt.Sprint(v)
	}
}
