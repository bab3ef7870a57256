package hydro

import (
	"fmt"
	"strings"
)

// velocityColumn is a velocity attribute name FromLayer reads and the
// factor that turns its values into ft/s, Reach.VelocityFps's unit.
type velocityColumn struct {
	name  string
	toFps float64
}

// velocityColumns are the velocity attribute names a network file may
// carry, case-insensitive, in order of preference. NHDPlus V2 writes mean
// annual velocity in ft/s as VE_MA (gage-adjusted, preferred) and VA_MA
// (from runoff); other files must say their unit in the name. Values ≤ 0
// and NHDPlus nodata (−9999, −9998) are missing: the reach then gets
// DefaultVelocity by stream order.
var velocityColumns = []velocityColumn{
	{"ve_ma", 1}, {"va_ma", 1},
	{"velocity_fps", 1}, {"velocity_ft_s", 1}, {"vel_fps", 1},
	{"velocity_ms", 1 / FtPerSec}, {"velocity_m_s", 1 / FtPerSec}, {"velocity_mps", 1 / FtPerSec},
	{"vel_ms", 1 / FtPerSec}, {"v_ms", 1 / FtPerSec},
}

// unitlessVelocity are velocity names that do not say their unit. A file
// with one of them and none of velocityColumns is refused rather than
// guessed: m/s read as ft/s would make every travel time 3.3 times too
// long.
var unitlessVelocity = []string{"velocity", "vel", "flow_velocity", "mean_velocity"}

// MaxVelocityMS is the largest mean reach velocity accepted, in m/s. Mean
// river velocities stay below about 5 m/s even in floods; a larger value
// is a unit mistake (cm/s, km/h) and is refused with the reach named.
const MaxVelocityMS = 10.0

// findVelocity picks the velocity column of a file and the factor to ft/s;
// -1 when there is none. A unit-less velocity name is an error.
func findVelocity(f fields) (int, float64, error) {
	for _, c := range velocityColumns {
		if i := f.find(c.name); i >= 0 {
			return i, c.toFps, nil
		}
	}
	for _, c := range unitlessVelocity {
		if i := f.find(c); i >= 0 {
			return -1, 0, fmt.Errorf("velocity column %q does not say its unit: rename it velocity_ms (m/s) or velocity_fps (ft/s); "+
				"accepted names are %s", f.names[i], velocityNames())
		}
	}
	return -1, 0, nil
}

// velocityNames lists the accepted velocity column names for messages.
func velocityNames() string {
	names := make([]string, len(velocityColumns))
	for i, c := range velocityColumns {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// checkVelocity refuses an implausible velocity (ft/s) read from row.
func checkVelocity(fps float64, col string, row int, id string) error {
	if ms := fps * FtPerSec; ms > MaxVelocityMS {
		return fmt.Errorf("row %d (reach %s): %s is %.3g m/s, above the %g m/s any river reach averages; check the column's unit",
			row, id, col, ms, MaxVelocityMS)
	}
	return nil
}
