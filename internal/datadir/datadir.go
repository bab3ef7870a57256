// Package datadir is the one list of the files a data directory may hold.
// Each kind of data owns its type and reader next to the code that uses it
// (tracing/model for water, casework/dumping for land and agencies); a
// reader that meets a file no kind owns asks Known here, so a misspelt file
// name is an error instead of silently missing data.
package datadir

import "slices"

// File is one file a data directory may hold.
type File struct {
	// Name is the file name, e.g. "facilities.csv".
	Name string
	// Owner is the package that reads it.
	Owner string
	// About says what it holds (docs/data-directory.md documents every
	// column).
	About string
}

// Files lists every file, water data first.
var Files = []File{
	{"network.geojson", "tracing/model", "the river network (or network.gpkg)"},
	{"network.gpkg", "tracing/model", "the river network as a GeoPackage"},
	{"facilities.csv", "tracing/model", "permitted dischargers"},
	{"outfalls.csv", "tracing/model", "discharge points"},
	{"permits.csv", "tracing/model", "discharge permits"},
	{"permit_limits.csv", "tracing/model", "permit limits"},
	{"dmr.csv", "tracing/model", "discharge monitoring reports"},
	{"effluent.csv", "tracing/model", "online effluent monitoring series"},
	{"stations.csv", "tracing/model", "monitoring stations"},
	{"readings.csv", "tracing/model", "river readings"},
	{"agencies.csv", "casework/dumping", "the agency directory: contacts and service levels"},
	{"parcels.geojson", "casework/dumping", "parcels or management areas with their managing agency"},
	{"jurisdictions.geojson", "casework/dumping", "townships and districts: the routing fallback"},
}

// Known reports whether name is a data-directory file of any kind.
func Known(name string) bool {
	return slices.ContainsFunc(Files, func(f File) bool { return f.Name == name })
}

// Names returns every file name, in Files order.
func Names() []string {
	out := make([]string, len(Files))
	for i, f := range Files {
		out[i] = f.Name
	}
	return out
}
