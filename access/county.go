package access

import "strings"

// County is a Taiwanese county or city: its code (ISO 3166-2:TW without
// the "TW-" prefix, e.g. TXG for Taichung), its name, and the letter that
// begins the control numbers (管制編號, ems_no) the Ministry of
// Environment assigns facilities there. The letters follow the county
// letters of the national identity number; the counties merged into
// special municipalities in 2010 (臺中縣 L, 臺南縣 R, 高雄縣 S) keep their
// old letter, which now means the merged city.
type County struct {
	Code    string
	Name    string
	Letters string
}

// Counties is the table of county codes, documented in docs/access.md.
var Counties = []County{
	{"TPE", "臺北市", "A"},
	{"TXG", "臺中市", "BL"},
	{"KEE", "基隆市", "C"},
	{"TNN", "臺南市", "DR"},
	{"KHH", "高雄市", "ES"},
	{"NWT", "新北市", "F"},
	{"ILA", "宜蘭縣", "G"},
	{"TAO", "桃園市", "H"},
	{"CYI", "嘉義市", "I"},
	{"HSQ", "新竹縣", "J"},
	{"MIA", "苗栗縣", "K"},
	{"NAN", "南投縣", "M"},
	{"CHA", "彰化縣", "N"},
	{"HSZ", "新竹市", "O"},
	{"YUN", "雲林縣", "P"},
	{"CYQ", "嘉義縣", "Q"},
	{"PIF", "屏東縣", "T"},
	{"HUA", "花蓮縣", "U"},
	{"TTT", "臺東縣", "V"},
	{"KIN", "金門縣", "W"},
	{"PEN", "澎湖縣", "X"},
	{"LIE", "連江縣", "Z"},
}

// CountyName returns the name of a county code, and whether it is known.
func CountyName(code string) (string, bool) {
	for _, c := range Counties {
		if c.Code == code {
			return c.Name, true
		}
	}
	return "", false
}

// CountyOf returns a facility's or station's county code: the explicit
// one when the data carry it, else the one its control number's first
// letter names. It is "" when neither says (an object of no county is
// then visible in full only to roles not limited by county).
func CountyOf(explicit, controlNumber string) string {
	if explicit != "" {
		return explicit
	}
	if controlNumber == "" {
		return ""
	}
	l := strings.ToUpper(controlNumber[:1])
	for _, c := range Counties {
		if strings.Contains(c.Letters, l) {
			return c.Code
		}
	}
	return ""
}

// CountyCode reads a county as data name it: a code (TXG) or a name
// (臺中市, also written 台中市). It is how a `county` column or a
// jurisdiction's county enters, so one spelling is kept everywhere.
func CountyCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	up := strings.ToUpper(s)
	name := strings.ReplaceAll(s, "台", "臺")
	for _, c := range Counties {
		if c.Code == up || c.Name == name {
			return c.Code, true
		}
	}
	return "", false
}
