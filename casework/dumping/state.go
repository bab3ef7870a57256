package dumping

import (
	"fmt"
	"slices"
)

// State is where a report stands in its lifecycle, in the steps Taiwan's
// agencies follow (受理 → 分派 → 查處 → 限期清除 → 清除完成 → 結案).
type State string

// Lifecycle states.
const (
	StateReceived        State = "received"          // 受理: taken in, not yet routed
	StateAssigned        State = "assigned"          // 已分派: routed to the managing agency
	StateReferred        State = "referred"          // 移轉: an agency answered "not responsible"; waiting for the one it named
	StateInvestigating   State = "investigating"     // 查處中: the agency is on it
	StateCleanupSchedule State = "cleanup_scheduled" // 限期清除: clean-up ordered or scheduled
	StateCleaned         State = "cleaned"           // 已清除: the site is clean, awaiting closure
	StateClosed          State = "closed"            // 結案
	StateDuplicate       State = "duplicate"         // 重複: linked to an earlier report of the same dump
)

// States lists every state in lifecycle order.
var States = []State{StateReceived, StateAssigned, StateReferred, StateInvestigating, StateCleanupSchedule, StateCleaned, StateClosed, StateDuplicate}

// clockedStates are the states an agency's service level times; the others
// wait on nobody (closed, duplicate) or on the centre's confirmation.
var clockedStates = []State{StateReceived, StateAssigned, StateReferred, StateInvestigating, StateCleanupSchedule}

// Label is the state's name in Traditional Chinese, as shown to the public
// and written into Open311 status_notes.
func (s State) Label() string {
	switch s {
	case StateReceived:
		return "已受理"
	case StateAssigned:
		return "已分派"
	case StateReferred:
		return "移轉中"
	case StateInvestigating:
		return "查處中"
	case StateCleanupSchedule:
		return "限期清除"
	case StateCleaned:
		return "已清除"
	case StateClosed:
		return "已結案"
	case StateDuplicate:
		return "重複案件"
	}
	return string(s)
}

// Open says the report still needs work (Open311 status "open").
func (s State) Open() bool { return s != StateClosed && s != StateDuplicate }

// transitions is the lifecycle: the states each state may move to. Routing
// (received → assigned) and referral (→ referred) carry extra rules, in
// Desk.
var transitions = map[State][]State{
	StateReceived:        {StateAssigned, StateReferred, StateDuplicate},
	StateAssigned:        {StateInvestigating, StateReferred, StateCleanupSchedule, StateCleaned, StateClosed, StateDuplicate},
	StateReferred:        {StateAssigned, StateInvestigating, StateReferred, StateDuplicate},
	StateInvestigating:   {StateCleanupSchedule, StateCleaned, StateReferred, StateClosed, StateDuplicate},
	StateCleanupSchedule: {StateCleaned, StateReferred, StateInvestigating},
	StateCleaned:         {StateClosed, StateInvestigating},
	StateClosed:          {},
	StateDuplicate:       {StateReceived},
}

// ParseState reads a state name.
func ParseState(s string) (State, error) {
	if slices.Contains(States, State(s)) {
		return State(s), nil
	}
	return "", fmt.Errorf("unknown state %q; states are %v", s, States)
}

// CanMove reports whether the lifecycle allows from → to.
func CanMove(from, to State) bool { return slices.Contains(transitions[from], to) }
