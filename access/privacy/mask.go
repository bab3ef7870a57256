package privacy

import (
	"strings"
	"unicode/utf8"
)

// Mask hides a contact from a role that does not need it while leaving
// enough to tell two reporters apart in a list: an e-mail keeps its first
// character and domain (a***@example.tw), a phone its first four and last
// two digits (0912****78), a name its first character (王**). Empty stays
// empty.
func Mask(contact string) string {
	c := strings.TrimSpace(contact)
	switch {
	case c == "":
		return ""
	case strings.Contains(c, "@"):
		local, domain, _ := strings.Cut(c, "@")
		first, _ := utf8.DecodeRuneInString(local)
		return string(first) + "***@" + domain
	case digits(c) >= 8:
		return maskPhone(c)
	}
	first, size := utf8.DecodeRuneInString(c)
	return string(first) + strings.Repeat("*", max(2, utf8.RuneCountInString(c[size:])))
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// maskPhone keeps the first four and the last two digits.
func maskPhone(c string) string {
	total := digits(c)
	var b strings.Builder
	seen := 0
	for _, r := range c {
		if r < '0' || r > '9' {
			b.WriteRune(r)
			continue
		}
		if seen < 4 || seen >= total-2 {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		seen++
	}
	return b.String()
}
