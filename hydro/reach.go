package hydro

import (
	"math"

	"github.com/paulmach/orb"
)

// Missing marks an attribute a source did not supply, so the builder knows to
// compute it rather than trust a zero.
var Missing = math.NaN()

// Reach is one reach as a source describes it. Builders fill what the source
// has and leave the rest at its zero value or Missing; Build works out the
// topology from the richest source present.
type Reach struct {
	// ID is the reach identifier as text: integer ids (COMID) and string ids
	// (GUIDs) are both common in real data.
	ID string
	// Name is the stream name (GNIS name); it breaks ties in the main-path rule.
	Name string

	// ToIDs lists downstream reach ids (id → toid source). More than one
	// means the reach divides.
	ToIDs []string
	// FromNode and ToNode are node ids (fromnode/tonode source), "" if absent.
	FromNode, ToNode string

	// NHD holds NHDPlus value-added attributes when the source has them.
	NHD *NHDAttrs

	// LengthKm is the reach length; Missing means compute it from Geometry.
	LengthKm float64
	// VelocityFps is the mean velocity in ft/s, NHDPlus's unit (VE_MA);
	// FromLayer converts m/s columns into it on reading (see
	// velocityColumns). Missing or ≤ 0 means use DefaultVelocity by stream
	// order.
	VelocityFps float64
	// StreamOrder is a source-supplied stream order, 0 when absent.
	StreamOrder int
	// TotDASqKm is the total drainage area, Missing when absent; it decides
	// the main stem when level paths must be computed.
	TotDASqKm float64
	// Divergence is the NHDPlus divergence code: 0 none, 1 main path of a
	// divergence, 2 minor path.
	Divergence int
	// ReachCode is the NHD reach code the reach lies on, "" when absent,
	// and FromMeas and ToMeas the part of it the reach covers (NHDPlus
	// measures, 0–100 along the whole reach code from its downstream
	// end). With them a snapped point also gets its reach-code measure,
	// the one NHDPlus gage and event tables use.
	ReachCode        string
	FromMeas, ToMeas float64

	// Geometry is the reach polyline, digitised upstream to downstream.
	Geometry orb.LineString
}

// NHDAttrs are the NHDPlus value-added routing attributes; with them the
// network reproduces NLDI navigation exactly.
//
// PathLength is Missing where the file has none (NHDPlus nodata −9999, as on
// coastline reaches); Build then uses the distance to the outlet it computes.
type NHDAttrs struct {
	Hydroseq, DnHydroseq, DnMinorHyd, UpHydroseq float64
	LevelPathID, TerminalPathID                  float64
	PathLength                                   float64
	StartFlag, TerminalFlag                      int
	FCode                                        int
}

// FCodeCoastline is the NHDPlus feature code of coastline lines, which NLDI
// never navigates.
const FCodeCoastline = 56600

// DefaultVelocity gives a mean velocity in m/s by Strahler stream order for
// reaches without a measured velocity. The values follow the downstream
// hydraulic geometry of Leopold and Maddock (velocity rising slowly with
// discharge): small headwater streams around 0.3 m/s, large rivers near
// 1 m/s. They are planning defaults for travel-time windows, not forecasts.
func DefaultVelocity(order int) float64 {
	switch {
	case order <= 1:
		return 0.3
	case order == 2:
		return 0.4
	case order == 3:
		return 0.5
	case order == 4:
		return 0.6
	case order == 5:
		return 0.7
	case order == 6:
		return 0.8
	case order == 7:
		return 0.9
	default:
		return 1.0
	}
}

// FtPerSec converts ft/s to m/s; NHDPlus velocities are in ft/s.
const FtPerSec = 0.3048
