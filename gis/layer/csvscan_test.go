package layer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"testing"
)

// stdRecords splits data with encoding/csv, the reference dialect.
func stdRecords(data []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comma = sniffComma(data)
	var out [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// scanRecords splits data with the CSV scanner's tokenizer.
func scanRecords(data []byte) ([][]string, error) {
	c := &CSV{path: "t.csv", data: data, line: 1, comma: byte(sniffComma(data)), geom: -1}
	var out [][]string
	for c.scanRow() {
		rec := make([]string, len(c.cells))
		for i, b := range c.cells {
			rec[i] = string(b)
		}
		out = append(out, rec)
	}
	return out, c.err
}

// checkSameRecords fails when the scanner and encoding/csv disagree on
// the records of data, or on whether it is well formed.
func checkSameRecords(t *testing.T, data []byte) {
	t.Helper()
	want, werr := stdRecords(data)
	got, gerr := scanRecords(data)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: error %v, encoding/csv %v", data, gerr, werr)
	}
	if werr != nil {
		var pe *csv.ParseError
		if errors.As(werr, &pe) && !errors.Is(gerr, pe.Err) {
			t.Fatalf("%q: error %v, encoding/csv %v", data, gerr, werr)
		}
		return
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("%q:\n got %q\nwant %q", data, got, want)
	}
}

// TestCSVScannerMatchesEncodingCSV checks the tokenizer against
// encoding/csv on the dialect's corners.
func TestCSVScannerMatchesEncodingCSV(t *testing.T) {
	for _, data := range []string{
		"a,b\n1,2\n",
		"a,b\r\n1,2\r\n3,4",
		"a,b\n\n\n1,2\n\r\n3,4\n",
		"a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n",
		"a,b\n\"two\r\nlines\",2\n3,4\n",
		"a,b\n\"two\nlines\",\"and\nthree\nhere\"\n5,6\n",
		"a;b\n1;\"2;3\"\n",
		"a\tb\n1\t2\n",
		"a,b\n1,x\"y\n",
		"a,b\n\"1\"x,2\n",
		"a,b\n\"unterminated,2\n",
		"a,b\n,\n,,\n\"\",\"\"\n",
		"a,b\n1,2\r",
		"a,b\n \n1,2\n",
	} {
		checkSameRecords(t, []byte(data))
	}
}

// FuzzCSVScanner compares the tokenizer with encoding/csv on any input.
func FuzzCSVScanner(f *testing.F) {
	f.Add([]byte("id,toid,lengthkm\n1,2,0.5\n2,0,1\n"))
	f.Add([]byte("a,b\n\"x\r\ny\",\"\"\"\"\n"))
	f.Add([]byte("a;b\n1;\"2;3\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameRecords(t, data)
	})
}
