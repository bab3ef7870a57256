package model

import (
	"errors"
	"path/filepath"
	"testing"
)

const okOutfall = "ems_no,let,lon,lat\nF1,D01,120.6736,24.1477\n"

func TestReadEffluent(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		FileFacilities: okFacility,
		FileOutfalls:   okOutfall,
		FileEffluent: "ems_no,let,time,parameter,value,unit,note\n" +
			"F1,D01,2026-01-01T00:00:00+08:00,氫離子濃度指標,7.2,pH,\n" +
			"F1,D01,2026-01-02T00:00:00+08:00,pH,7.3,s.u.,\n" +
			"F1,,2026-01-01T00:00:00+08:00,導電度,2.1,mS/cm,plant total\n",
	})
	ds, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rs := ds.EffluentOf("F1")
	// Values arrive in canonical units: 2.1 mS/cm is 2 100 µS/cm.
	if len(rs) != 3 || rs[0].Parameter != "pH" || rs[1].Unit != "pH" || rs[2].Parameter != "COND" || rs[2].Unit != "µS/cm" || rs[2].Value != 2100 || rs[2].Outfall != "" {
		t.Fatalf("effluent %+v", rs)
	}
	if k := rs[0].Key(); k != (EffluentKey{"F1", "D01", "pH"}) {
		t.Fatalf("key %+v", k)
	}
	// WriteDir writes the file back in canonical spellings.
	out := filepath.Join(t.TempDir(), "out")
	if err := WriteDir(out, ds); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Effluent) != 3 || back.Effluent[2] != ds.Effluent[2] || !back.Effluent[0].Time.Equal(ds.Effluent[0].Time) {
		t.Fatalf("round trip %+v", back.Effluent)
	}
}

func TestEffluentErrors(t *testing.T) {
	head := "ems_no,let,time,parameter,value,unit\n"
	tests := []struct {
		name, body string
		line       int
		column     string
	}{
		{"unknown facility", head + "F9,,2026-01-01T00:00:00+08:00,pH,7,pH\n", 2, "ems_no"},
		{"unknown outfall", head + "F1,D09,2026-01-01T00:00:00+08:00,pH,7,pH\n", 2, "let"},
		{"time without zone", head + "F1,D01,2026-01-01 00:00,pH,7,pH\n", 2, "time"},
		{"censored", head + "F1,D01,2026-01-01T00:00:00+08:00,COD,<5,mg/L\n", 2, "value"},
		{"conductivity in mg/L", head + "F1,D01,2026-01-01T00:00:00+08:00,COND,5,mg/L\n", 2, "unit"},
		{"negative concentration", head + "F1,D01,2026-01-01T00:00:00+08:00,COD,-5,mg/L\n", 2, "value"},
		{"two values at one time", head + "F1,D01,2026-01-01T00:00:00+08:00,pH,7,pH\nF1,D01,2025-12-31T16:00:00Z,pH,7.4,pH\n", 3, "time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{FileFacilities: okFacility, FileOutfalls: okOutfall, FileEffluent: tc.body})
			_, err := ReadDir(dir)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.File != FileEffluent || fe.Line != tc.line || fe.Column != tc.column {
				t.Fatalf("err = %v, want %s:%d column %s", err, FileEffluent, tc.line, tc.column)
			}
		})
	}
}
