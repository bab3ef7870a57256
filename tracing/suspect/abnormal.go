package suspect

import (
	"fmt"

	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/standard"
)

// judgement is whether a reading is abnormal, by how much, against what.
type judgement struct {
	// verdict is set when tracing stops here (within the normal range, or
	// too little history to tell); empty when the reading is abnormal.
	verdict Verdict
	reason  string
	// excess is how far the reading lies beyond reference on its bad side.
	excess    float64
	reference string
	// high is the side of the excursion (pH): above the range.
	high bool
}

// judge decides whether v is abnormal: against the station's own baseline
// when its history suffices, else against the class standard, else it
// cannot tell. Nobody is named for a reading judged normal.
func judge(p param.Parameter, v float64, b baseline.Baseline, std *StandardCheck) judgement {
	unit := p.Unit
	if b.Sufficient() {
		if !b.Abnormal(v, p.Direction) {
			return judgement{verdict: VerdictWithinNormalRange, reason: fmt.Sprintf(
				"%s %.4g %s is within the station's normal range %.4g–%.4g %s (median %.4g of %d earlier readings, %s window): nobody is named",
				p.ID, v, unit, *b.Lower, *b.Upper, unit, b.Median, b.N, b.Window)}
		}
		j := judgement{reference: "baseline median", high: v > b.Median}
		j.excess = v - b.Median
		if !j.high {
			j.excess = b.Median - v
		}
		j.reason = fmt.Sprintf("%s %.4g %s is %s the station's normal range %.4g–%.4g %s (median %.4g of %d earlier readings)",
			p.ID, v, unit, side(j.high), *b.Lower, *b.Upper, unit, b.Median, b.N)
		return j
	}
	short := fmt.Sprintf("only %d earlier readings of %s at this station (%d needed for a baseline)", b.N, p.ID, baseline.MinSamples)
	switch {
	case std != nil && std.Violated:
		j := judgement{excess: std.Exceedance, reference: fmt.Sprintf("class %s standard", std.Class), high: std.HasMax && v > std.Max}
		j.reason = fmt.Sprintf("%s %.4g %s breaks the class %s river standard (%s); %s, so the excess is taken over the standard",
			p.ID, v, unit, std.Class, limitText(std.Limit), short)
		return j
	case std != nil:
		return judgement{verdict: VerdictWithinNormalRange, reason: fmt.Sprintf(
			"%s %.4g %s meets the class %s river standard (%s); %s: nobody is named", p.ID, v, unit, std.Class, limitText(std.Limit), short)}
	}
	return judgement{verdict: VerdictNotTraceable, reason: fmt.Sprintf(
		"%s, and no river standard applies to %s here: whether %.4g %s is abnormal cannot be told", short, p.ID, v, unit)}
}

func side(high bool) string {
	if high {
		return "above"
	}
	return "below"
}

// limitText writes a class limit as "≥ 4.5 mg/L", "≤ 2 mg/L" or "6–9 pH".
func limitText(l standard.Limit) string {
	switch {
	case l.HasMin && l.HasMax:
		return fmt.Sprintf("%g–%g %s", l.Min, l.Max, l.Unit)
	case l.HasMin:
		return fmt.Sprintf("≥ %g %s", l.Min, l.Unit)
	}
	return fmt.Sprintf("≤ %g %s", l.Max, l.Unit)
}

// standardCheck tests v against the class standard of the station's
// water body, nil when the class sets none for the parameter.
func standardCheck(class standard.Class, p param.Parameter, v float64) *StandardCheck {
	l, ok := standard.For(class, p.ID)
	if !ok {
		return nil
	}
	return &StandardCheck{Limit: l, Violated: l.Violated(v), Exceedance: round(l.Exceedance(v), 6)}
}
