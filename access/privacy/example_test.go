package privacy_test

import (
	"fmt"
	"strings"

	"github.com/envtrace/envtrace/access/privacy"
)

func ExampleMask() {
	for _, c := range []string{"0912345678", "chen.li@example.tw", "王小明"} {
		fmt.Println(privacy.Mask(c))
	}
	// Output:
	// 0912****78
	// c***@example.tw
	// 王**
}

func ExampleKeyring() {
	// A keyring file: one "ID HEX" line per key, the last one current.
	keys, err := privacy.ParseKeyring([]byte("2025 " + strings.Repeat("1f", 32) + "\n2026 " + strings.Repeat("2e", 32) + "\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	sealed, _ := keys.Seal("0912345678", "personal_contacts.sealed")
	id, _ := privacy.KeyID(sealed)
	plain, _ := keys.Open(sealed, "personal_contacts.sealed")
	fmt.Println(id, plain)
	// Output: 2026 0912345678
}
