package gs1

// CheckDigit returns the GS1 modulo-10 check digit ('0'..'9') for digits, the
// data digits of a GTIN, GLN, SSCC, GSRN, GDTI, GCN or GSIN without their
// check digit. It returns 0 if digits is empty or holds a non-digit.
func CheckDigit(digits string) byte { return checkDigit(digits) }

func checkDigit[T string | []byte](digits T) byte {
	if len(digits) == 0 {
		return 0
	}
	sum := 0
	// The rightmost data digit has weight 3, then alternating 1 and 3.
	w := 3
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidCheckDigit reports whether s, a numeric GS1 key including its check
// digit as the last character, has a correct check digit.
func ValidCheckDigit(s string) bool {
	if len(s) < 2 {
		return false
	}
	return CheckDigit(s[:len(s)-1]) == s[len(s)-1]
}
