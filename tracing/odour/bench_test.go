package odour_test

import (
	"context"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/odour"
)

// BenchmarkRankFixture ranks the fixture's rendering episode (34
// petitions, 5 candidates) with the default 100 m surface, against the
// same ranking on a 400 m surface measured in the same run: the ratio is
// what the fine surface costs.
func BenchmarkRankFixture(b *testing.B) {
	dir := b.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		b.Fatal(err)
	}
	d, err := datadir.Read(dir)
	if err != nil {
		b.Fatal(err)
	}
	scs, err := fixtures.OdourScenarios()
	if err != nil {
		b.Fatal(err)
	}
	sc := scs[1]
	measure := func(cell float64) (time.Duration, *odour.Result) {
		e, err := d.OdourEngine(odour.Options{CellM: cell})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := e.Rank(context.Background(), sc.From, sc.To)
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), res
	}
	coarse, _ := measure(400)
	var res *odour.Result
	var fine time.Duration
	b.ResetTimer()
	for range b.N {
		var took time.Duration
		took, res = measure(0)
		fine += took
	}
	b.ReportMetric(float64(fine)/float64(b.N)/float64(coarse), "x_vs_400m_surface")
	b.ReportMetric(float64(res.Petitions), "petitions")
	b.ReportMetric(float64(len(res.Candidates)), "candidates")
}
