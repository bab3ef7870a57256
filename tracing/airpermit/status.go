package airpermit

import (
	"fmt"
	"strconv"
	"strings"
)

// Status is a CEMS record's status code. MOENV's CEMS rules attach a
// status to every transmitted value; the codes below are the classes the
// checks need. The appendix of the CEMS management regulation
// (固定污染源空氣污染物連續自動監測設施管理辦法) that lists the official
// codes could not be retrieved for this implementation, so a feed whose
// codes differ must be mapped onto these (docs/data-directory.md).
type Status int

// The status codes.
const (
	Normal      Status = 10 // 正常量測: unit operating, value valid
	OverRange   Status = 11 // 超過全幅: unit operating, value at or above full scale
	Calibration Status = 20 // 校正 (zero/span): value not a measurement
	Maintenance Status = 30 // 維修保養: unit may operate, value invalid
	Fault       Status = 31 // 故障: unit may operate, value invalid
	Shutdown    Status = 40 // 停車/停爐: unit not operating
	Transient   Status = 50 // 起停車過程: start-up or shutdown in progress
)

var statusNames = map[Status]string{Normal: "normal", OverRange: "over-range", Calibration: "calibration",
	Maintenance: "maintenance", Fault: "fault", Shutdown: "shutdown", Transient: "start-up/shutdown"}

// ParseStatus reads a status code (the number, or its English name).
func ParseStatus(s string) (Status, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if _, ok := statusNames[Status(n)]; ok {
			return Status(n), nil
		}
	}
	for k, v := range statusNames {
		if strings.EqualFold(v, s) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown CEMS status %q: use 10 normal, 11 over-range, 20 calibration, 30 maintenance, 31 fault, 40 shutdown or 50 start-up/shutdown", s)
}

// String names the status.
func (s Status) String() string { return statusNames[s] }

// Valid reports whether the value is a valid measurement of an operating
// unit.
func (s Status) Valid() bool { return s == Normal || s == OverRange }

// Excused reports whether the unit was legitimately not measuring: shut
// down, starting or stopping, or being calibrated. Excused time neither
// counts against availability nor can flat-line.
func (s Status) Excused() bool { return s == Shutdown || s == Transient || s == Calibration }
