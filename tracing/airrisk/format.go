package airrisk

import "strconv"

func strconvFormat(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func itoa(n int) string { return strconv.Itoa(n) }
