// Package hydro is envtrace's river network: it builds a directed reach graph
// from GIS records, validates it, computes the NHDPlus-style attributes a file
// may lack, indexes it for constant-time upstream queries and navigates it.
//
// # Topology sources
//
// A network's topology comes, in order of preference, from
//  1. NHDPlus value-added attributes (hydroseq, dnhydroseq, dnminorhyd, ...),
//  2. an id → toid column pair,
//  3. fromnode / tonode columns,
//  4. the geometry alone (line ends snapped within a tolerance, T-junctions
//     split, flow in digitised direction).
//
// # Main path rule
//
// A reach that drains into several reaches without a divergence attribute
// keeps one of them as its main (tree) path and the rest as minor
// divergences. The main path is, in order: the downstream reach that carries
// the same stream name as the upstream one; else the one listed first in the
// source file. A MultipleDownstream warning names every such reach.
//
// # Upstream index
//
// The main-path tree (each reach → its main downstream reach) is numbered in
// depth-first pre-order, visiting the main-stem upstream branch first. The
// reaches upstream of any reach along the tree then occupy one contiguous
// interval of that numbering, and an upstream main stem is a prefix of it.
// Minor-divergence edges are kept beside the tree, sorted by the pre-order
// number of the reach they drain into, so an upstream-with-tributaries query
// is a union of intervals enumerated in O(k) for k results, never a graph
// walk.
//
// # Navigation semantics
//
// When NHDPlus attributes are present, UT, UM, DM and DD return exactly what
// the USGS NLDI returns (see the data README): coastline reaches (fcode 56600)
// are never navigated; upstream navigation does not expand beyond a reach
// with startflag = 1; downstream navigation does not expand beyond a reach
// with terminalflag = 1; a distance limit d keeps upstream reaches with
// pathlength ≤ start.pathlength + d and downstream reaches with
// pathlength + lengthkm ≥ start.pathlength + start.lengthkm − d.
//
// Each result carries its network distance and travel time from the start:
// for an upstream reach, from that reach's downstream end to the start
// reach's downstream end (where the water it carries passes a station at the
// start); for a downstream reach, from the start reach's downstream end to
// that reach's upstream end. Travel time uses reach velocity (a velocity
// column whose name says its unit, see velocityColumns) or, where it is
// missing, DefaultVelocity by stream order.
//
// # Stream order
//
// Strahler order follows the NHDPlus rule on networks that split and
// rejoin (see builder.strahler); a file's own order column replaces it.
package hydro
