package csvtab

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestTableReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string // substrings, one per expected problem, in order
	}{
		{"unknown and missing columns", "id,colour\n1,red\n", []string{"column colour: unknown column", "column value: required column missing"}},
		{"half a pair", "id,value,x\n1,2,3\n", []string{"column x/y: columns come in pairs"}},
		{"bad rows", "id,value,when\n,abc,2024-01-01T00:00:00\n2,NaN,2024-01-01T00:00:00+08:00\n",
			[]string{`t.csv:2: column id: required`, `t.csv:2: column value: "abc": not a number`, `t.csv:2: column when: "2024-01-01T00:00:00": time has no zone offset`, `t.csv:3: column value: "NaN": not a number`}},
		{"empty", "", []string{"t.csv:1: empty file"}},
	}
	schema := Schema{Required: []string{"id", "value"}, Optional: []string{"when", "x", "y"}, Pairs: [][2]string{{"x", "y"}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := Open("t.csv", strings.NewReader(tt.data), schema)
			rows := 0
			tab.Rows(func(r *Row) {
				r.Required("id")
				r.Float("value")
				if tab.Has("when") {
					r.Time("when")
				}
				rows++
			})
			err := tab.Err()
			if err == nil {
				t.Fatalf("no error for %q", tt.data)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not match ErrInvalid", err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("error %q lacks %q", msg, w)
				}
				msg = msg[i+len(w):]
			}
		})
	}
}

func TestTableGoodFile(t *testing.T) {
	tab := Open("t.csv", strings.NewReader("\ufeffid,value,when\nA, 1.5 ,2024-05-01T09:30:00+08:00\nB,,2024-05-01T10:30:00Z\n"),
		Schema{Required: []string{"id"}, Optional: []string{"value", "when"}})
	var got []string
	tab.Rows(func(r *Row) {
		v, ok := r.Float("value")
		w := r.Time("when")
		got = append(got, fmt.Sprintf("%s|%v|%t|%s", r.Str("id"), v, ok, w.UTC().Format("15")))
	})
	if err := tab.Err(); err != nil {
		t.Fatal(err)
	}
	want := "A|1.5|true|01,B|NaN|false|10"
	if strings.Join(got, ",") != want {
		t.Errorf("rows = %v, want %s", got, want)
	}
}

func TestMaxErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,value\n")
	for range MaxErrors + 7 {
		b.WriteString("a,b\n")
	}
	tab := Open("t.csv", strings.NewReader(b.String()), Schema{Required: []string{"id", "value"}})
	tab.Rows(func(r *Row) { r.Float("value") })
	msg := tab.Err().Error()
	if n := strings.Count(msg, "not a number"); n != MaxErrors {
		t.Errorf("%d problems listed, want %d", n, MaxErrors)
	}
	if !strings.Contains(msg, "7 more problems not shown") {
		t.Errorf("error does not count the dropped problems: %s", msg[len(msg)-80:])
	}
}

// TestReadKeepsGoodRows reads typed records with Read's collector: bad rows
// are dropped and reported together, Number requires a value, Date refuses
// ROC dates with a hint, and Parse records its parser's error.
func TestReadKeepsGoodRows(t *testing.T) {
	type rec struct {
		id   string
		v    float64
		day  string
		kind int
	}
	kinds := func(s string) (int, error) {
		switch s {
		case "a":
			return 1, nil
		case "b":
			return 2, nil
		}
		return 0, errors.New("must be a or b")
	}
	data := "id,v,day,kind\nA,1.5,2024-05-01,a\nB,,2024-05-01,b\nC,2,113/05/01,a\nD,3,2024-05-02,z\nE,4,2024-05-03,b\n"
	got, err := Read("r.csv", strings.NewReader(data), Schema{Required: []string{"id", "v", "day", "kind"}}, func(r *Row) rec {
		return rec{r.Str("id"), r.Number("v"), r.Date("day").Format(DateLayout), Parse(r, "kind", kinds)}
	})
	msg := fmt.Sprint(err)
	for _, w := range []string{`r.csv:3: column v: required`, `r.csv:4: column day: "113/05/01": looks like a ROC (民國) date`, `r.csv:5: column kind: "z": must be a or b`} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
	if got != nil {
		t.Errorf("records returned with an error: %v", got)
	}
	good := "id,v,day,kind\nA,1.5,2024-05-01,a\nE,4,2024-05-03,b\n"
	got, err = Read("r.csv", strings.NewReader(good), Schema{Required: []string{"id", "v", "day", "kind"}}, func(r *Row) rec {
		return rec{r.Str("id"), r.Number("v"), r.Date("day").Format(DateLayout), Parse(r, "kind", kinds)}
	})
	if err != nil || len(got) != 2 || got[1] != (rec{"E", 4, "2024-05-03", 2}) {
		t.Fatalf("Read = %v, %v", got, err)
	}
}

// TestReadFileMissing: a data directory may leave a kind out.
func TestReadFileMissing(t *testing.T) {
	got, err := ReadFile(t.TempDir()+"/absent.csv", Schema{Required: []string{"id"}}, func(r *Row) string { return r.Str("id") })
	if err != nil || got != nil {
		t.Fatalf("missing file: %v, %v", got, err)
	}
}
