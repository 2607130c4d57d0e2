package query

import "testing"

func TestConvertUnit(t *testing.T) {
	tests := []struct {
		x        float64
		from, to string
		want     float64
		ok       bool
	}{
		{4.5, "CEL", "KEL", 277.65, true},
		{277.65, "KEL", "CEL", 4.5, true},
		{212, "FAH", "CEL", 100, true},
		{-40, "CEL", "FAH", -40, true},
		{1500, "GRM", "KGM", 1.5, true},
		{1, "LBR", "GRM", 453.59237, true},
		{2, "LTR", "MLT", 2000, true},
		{1013.25, "A97", "KPA", 101.325, true},
		{90, "MIN", "HUR", 1.5, true},
		{3, "XYZ", "XYZ", 3, true}, // an unknown unit compares with itself
		{3, "KGM", "LTR", 0, false},
		{3, "XYZ", "KGM", 0, false},
	}
	for _, tt := range tests {
		got, ok := convertUnit(tt.x, tt.from, tt.to)
		if ok != tt.ok || got != tt.want {
			t.Errorf("convertUnit(%v, %s, %s) = %v, %v; want %v, %v", tt.x, tt.from, tt.to, got, ok, tt.want, tt.ok)
		}
	}
}
