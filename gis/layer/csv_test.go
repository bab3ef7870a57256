package layer

import (
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestCSV(t *testing.T) {
	tests := []struct {
		name   string
		csv    string
		count  int
		srid   int
		fields []string
		check  func(t *testing.T, l *Layer)
	}{
		{
			name:   "typed values, ids stay text",
			csv:    "id,gage,uuid,n,x,neg,exp,nan,empty,flag\n1,05428668,{00266880-A1B2},0,2.5,-7,1e-3,NaN,,true\n",
			count:  1,
			fields: []string{"id", "gage", "uuid", "n", "x", "neg", "exp", "nan", "empty", "flag"},
			check: func(t *testing.T, l *Layer) {
				f := l.Features[0]
				want := map[string]any{"id": int64(1), "gage": "05428668", "uuid": "{00266880-A1B2}", "n": int64(0),
					"x": 2.5, "neg": int64(-7), "exp": 0.001, "nan": "NaN", "empty": nil, "flag": "true"}
				for k, v := range want {
					if got, ok := f.Value(k); !ok || got != v {
						t.Errorf("%s = %#v, want %#v", k, got, v)
					}
				}
				if b, ok := f.Bool("flag"); !ok || !b {
					t.Error("Bool(flag) failed")
				}
				if s, ok := f.String("GAGE"); !ok || s != "05428668" {
					t.Errorf("String(GAGE) = %q", s)
				}
				if n, ok := f.Int64("gage"); !ok || n != 5428668 {
					t.Errorf("Int64(gage) = %v, %v", n, ok)
				}
				if _, ok := f.String("empty"); ok {
					t.Error("String of an empty cell reports ok")
				}
				if f.Geometry != nil {
					t.Error("geometry without a geometry column")
				}
			},
		},
		{
			name:   "WKT column by name, BOM, quoted newline",
			csv:    "\ufeffname,WKT\n\"two\nlines\",\"LINESTRING (0 0, 1 1)\"\nnone,\n",
			count:  2,
			fields: []string{"name"},
			check: func(t *testing.T, l *Layer) {
				if !orb.Equal(l.Features[0].Geometry, orb.LineString{{0, 0}, {1, 1}}) {
					t.Errorf("geometry %v", l.Features[0].Geometry)
				}
				if l.Features[0].Props["name"] != "two\nlines" {
					t.Errorf("name %q", l.Features[0].Props["name"])
				}
				if l.Features[1].Geometry != nil {
					t.Errorf("empty WKT gave %v", l.Features[1].Geometry)
				}
			},
		},
		{
			name:   "EWKT found by value sets SRID",
			csv:    "site,loc\nA,SRID=4269;POINT (-89.4 43.1)\nB,SRID=4269;POINT (-89.5 43.2)\n",
			count:  2,
			srid:   4269,
			fields: []string{"site"},
		},
		{
			name:   "value that only starts like WKT is text",
			csv:    "place,n\nPoint Reyes,1\n",
			count:  1,
			fields: []string{"place", "n"},
		},
		{
			name:   "semicolon delimiter, CRLF, duplicate and empty names",
			csv:    "a;a;;b\r\n1;2;3;4,5\r\n",
			count:  1,
			fields: []string{"a", "a_2", "field_3", "b"},
			check: func(t *testing.T, l *Layer) {
				if l.Features[0].Props["a_2"] != int64(2) || l.Features[0].Props["b"] != "4,5" {
					t.Errorf("props %#v", l.Features[0].Props)
				}
			},
		},
		{
			name:   "header only",
			csv:    "a,b\n",
			count:  0,
			fields: []string{"a", "b"},
		},
		{
			name:   "huge integer id stays text",
			csv:    "id\n123456789012345678901234\n",
			count:  1,
			fields: []string{"id"},
			check: func(t *testing.T, l *Layer) {
				if l.Features[0].Props["id"] != "123456789012345678901234" {
					t.Errorf("id %#v", l.Features[0].Props["id"])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Read(writeFile(t, "", "t.csv", []byte(tt.csv)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Features) != tt.count {
				t.Errorf("%d rows, want %d", len(l.Features), tt.count)
			}
			if l.SRID != tt.srid {
				t.Errorf("SRID %d, want %d", l.SRID, tt.srid)
			}
			if strings.Join(l.Fields, "|") != strings.Join(tt.fields, "|") {
				t.Errorf("fields %q, want %q", l.Fields, tt.fields)
			}
			if tt.check != nil {
				tt.check(t, l)
			}
		})
	}
}

func TestCSVErrors(t *testing.T) {
	tests := []struct {
		name  string
		csv   string
		row   int
		field string
		want  string
	}{
		{"empty file", "", 0, "", "no header"},
		{"short row", "a,b,c\n1,2,3\n4,5\n", 2, "", "line 3 has 2 fields, the header has 3"},
		{"long row", "a\n1\n2,3\n", 2, "", "2 fields"},
		{"bare quote", "a,b\n1,x\"y\n", 1, "", "line 2"},
		{"bad WKT", "name,geom\nA,POINT (1 2)\nB,POINT (1)\n", 2, "geom", "coordinate"},
		{"SRID mismatch", "g\nSRID=4326;POINT (1 2)\nSRID=3826;POINT (1 2)\n", 2, "g", "differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(writeFile(t, "", "bad.csv", []byte(tt.csv)), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "layer: bad.csv: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want file name and %q", err, tt.want)
			}
			if tt.row > 0 {
				var re *RowError
				if !errors.As(err, &re) || re.Row != tt.row || re.Field != tt.field {
					t.Errorf("error %#v, want RowError row %d field %q", err, tt.row, tt.field)
				}
			}
		})
	}
}

func TestCSVValue(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"", nil}, {"   ", nil}, {"0", int64(0)}, {"-0", int64(0)}, {"42", int64(42)}, {"+42", int64(42)},
		{"007", "007"}, {"-007", "-007"}, {"0.5", 0.5}, {".5", 0.5}, {"5.", 5.0}, {"1e5", 1e5}, {"1E-2", 0.01},
		{"-9999", int64(-9999)}, {"Inf", "Inf"}, {"0x1F", "0x1F"}, {"1_000", "1_000"}, {"1e", "1e"}, {"e5", "e5"},
		{"-", "-"}, {".", "."}, {"1.2.3", "1.2.3"}, {" 12 ", int64(12)}, {"9223372036854775808", "9223372036854775808"},
	}
	for _, tt := range tests {
		if got := csvValue(tt.in); got != tt.want {
			t.Errorf("csvValue(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}
