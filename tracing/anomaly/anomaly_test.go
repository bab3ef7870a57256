package anomaly

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func noise(n int, level, sd float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = level + sd*r.NormFloat64()
	}
	return xs
}

type got struct {
	Kind  Kind
	Index int
	Len   int
}

func summarise(flags []Flag) []got {
	out := []got{}
	for _, f := range flags {
		out = append(out, got{f.Kind, f.Index, f.Len})
	}
	return out
}

func TestScreenSynthetic(t *testing.T) {
	tests := []struct {
		name   string
		param  string
		build  func() []float64
		expect []got
	}{
		{"clean pH noise", "pH", func() []float64 { return noise(400, 7.0, 0.05, 1) }, []got{}},
		{"clean conductivity noise", "COND", func() []float64 { return noise(400, 3000, 80, 2) }, []got{}},
		{"pH spikes, shift, impossible and stuck", "pH", func() []float64 {
			xs := noise(300, 7.0, 0.05, 3)
			xs[40] += 1.5  // spike up
			xs[120] -= 2.0 // spike down
			xs[60] = -1    // impossible
			xs[61] = 15.2  // impossible
			for i := 80; i < 90; i++ {
				xs[i] = 7.00 // stuck probe
			}
			for i := 200; i < 300; i++ {
				xs[i] += 1.0 // level shift
			}
			return xs
		}, []got{{Spike, 40, 1}, {Impossible, 60, 1}, {Impossible, 61, 1}, {Stuck, 80, 10}, {Spike, 120, 1}, {Shift, 200, 1}}},
		{"temperature step down with spikes on both sides", "TEMP", func() []float64 {
			xs := noise(240, 28, 0.4, 4)
			for i := 100; i < 240; i++ {
				xs[i] -= 6
			}
			xs[90] = 80.67 // spike (plausible range), like the IDB file
			xs[110] = 0.0  // logger writing zero
			return xs
		}, []got{{Spike, 90, 1}, {Shift, 100, 1}, {Spike, 110, 1}}},
		{"missing values are skipped", "COND", func() []float64 {
			xs := noise(200, 3000, 50, 5)
			xs[10], xs[11], xs[150] = math.NaN(), math.NaN(), math.NaN()
			xs[50] = 9000
			return xs
		}, []got{{Spike, 50, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ForParameter(tc.param)
			if err != nil {
				t.Fatal(err)
			}
			flags, err := Screen(tc.build(), c)
			if err != nil {
				t.Fatal(err)
			}
			if s := summarise(flags); !reflect.DeepEqual(s, tc.expect) {
				t.Fatalf("flags\n got %v\nwant %v", s, tc.expect)
			}
		})
	}
}

func TestHampelFlatSeries(t *testing.T) {
	xs := make([]float64, 50)
	for i := range xs {
		xs[i] = 5
	}
	xs[25] = 5.01
	if f := Hampel(xs, 7, 5, 0.05); len(f) != 0 {
		t.Fatalf("last-digit change on a flat line flagged: %+v", f)
	}
	if f := Hampel(xs, 7, 5, 0); len(f) != 1 || f[0].Index != 25 {
		t.Fatalf("without MinScale the change should be flagged: %+v", f)
	}
}

func TestShiftMagnitude(t *testing.T) {
	xs := noise(200, 7, 0.05, 9)
	for i := 100; i < 200; i++ {
		xs[i] += 0.3 // statistically clear but below pH MinShift 0.5
	}
	c, _ := ForParameter("pH")
	flags, _ := Screen(xs, c)
	for _, f := range flags {
		if f.Kind == Shift {
			t.Fatalf("shift of 0.3 pH reported: %+v", f)
		}
	}
	c.MinShift = 0.1
	flags, _ = Screen(xs, c)
	if s := summarise(flags); !reflect.DeepEqual(s, []got{{Shift, 100, 1}}) {
		t.Fatalf("with MinShift 0.1: %v", s)
	}
}

func TestConfigErrors(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"half window":  func(c *Config) { c.HalfWindow = 0 },
		"shift window": func(c *Config) { c.ShiftWindow = 1 },
		"spike k":      func(c *Config) { c.SpikeK = 0 },
		"negative":     func(c *Config) { c.MinScale = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			c := DefaultConfig()
			mut(&c)
			if _, err := Screen([]float64{1, 2, 3}, c); !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := ForParameter("nonsense"); err == nil {
		t.Fatal("unknown parameter accepted")
	}
}
