// Package privacy protects the personal data the platform holds under
// Taiwan's Personal Data Protection Act (個人資料保護法): reporters' and
// petitioners' contacts are sealed column by column (Keyring, AES-256-GCM
// with the key id inside each ciphertext, so keys can be rotated), masked
// for roles that do not need them (MaskContact), and found for an erasure
// request through a keyed blind index (Subject) rather than in clear.
// Public views read locations shifted by Fuzzer, keyed by a secret and by
// the location itself, so that twenty complaints from one home share one
// public point. Retention says how long each kind of personal data is
// kept; store.PersonalData.Purge erases what is past it.
package privacy
