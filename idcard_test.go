package guangong

import (
	"testing"
	"time"
	"unicode/utf8"
)

func TestIDNumberProblem(t *testing.T) {
	valid := "11010519491231002X" // GB 11643's own example
	for _, c := range []struct {
		id, birth string
		ok        bool
	}{
		{valid, "", true},
		{valid, "1949-12-31", true},
		{valid, "1950-01-01", false},      // does not match the birth date
		{"110105194912310021", "", false}, // wrong check character
		{"11010519491331002X", "", false}, // month 13
		{"1101051949123100", "", false},   // too short
		{"01010519491231002X", "", false}, // leading zero
		{"11010519491231002x", "", false}, // lower-case x is normalised first, not here
		{NormalizeIDNumber(" 11010519491231002x "), "", true},
	} {
		if got := IDNumberProblem(c.id, c.birth) == nil; got != c.ok {
			t.Errorf("IDNumberProblem(%q, %q) ok=%v, want %v", c.id, c.birth, got, c.ok)
		}
	}
}

func TestPhones(t *testing.T) {
	for in, ok := range map[string]bool{
		"13800001111": true, "138 0000 1111": true, "0745-1234567": true, "07451234567": true,
		"1380000111": false, "23800001111": false, "abc": false,
	} {
		if got := PhoneProblem(NormalizePhone(in)) == nil; got != ok {
			t.Errorf("phone %q ok=%v, want %v", in, got, ok)
		}
	}
}

func TestMasks(t *testing.T) {
	for got, want := range map[string]string{
		MaskIDNumber("43122419491231123X"): "4312**********123X",
		MaskPhone("13812345678"):           "138****5678",
		MaskName("张三"):                     "张*",
		MaskName("欧阳小明"):                   "欧***",
		MaskName("李"):                      "李*",
		// A cell may hold anything: the masks count characters and never split one.
		MaskIDNumber("４３１２２４１９５２０３１５００１３"): "４３１２**********００１３",
		MaskPhone("电话一二三四五六七"):             "电话一**四五六七",
		MaskIDNumber("张三李四"):               "****",
	} {
		if got != want {
			t.Errorf("mask %q, want %q", got, want)
		}
	}
}

// Masks count characters, not bytes: a Chinese address typed into the ID number's column
// (as an import report quotes it), a name with a character outside the BMP (𠮷, four bytes
// in UTF-8) and a full-width phone come out as whole characters, valid UTF-8.
func TestMasksByCharacter(t *testing.T) {
	for _, c := range []struct{ name, got, want string }{
		{"address as ID", MaskIDNumber("湖南省长沙市望城区白沙村三组"), "湖南省长******沙村三组"},
		{"short address as ID", MaskIDNumber("长沙市望城区"), "******"},
		{"ID number", MaskIDNumber("43122419491231123X"), "4312**********123X"},
		{"non-BMP name", MaskName("𠮷野家"), "𠮷**"},
		{"non-BMP name alone", MaskName("𠮷"), "𠮷*"},
		{"non-BMP in an ID", MaskIDNumber("𠮷𠮷湖南省长沙市望城区𠮷𠮷"), "𠮷𠮷湖南*****城区𠮷𠮷"},
		{"full-width phone", MaskPhone("１３８１２３４５６７８"), "１３８****５６７８"},
		{"phone by name", MaskPhone("王师傅电话"), "*****"},
	} {
		if !utf8.ValidString(c.got) {
			t.Errorf("%s: %q is not valid UTF-8", c.name, c.got)
		}
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
	if HideText("家住湖南省长沙市") != HiddenText || HideText("") != "" || HideText(HiddenText) != HiddenText {
		t.Error("HideText")
	}
}

func TestAgeOn(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, Shanghai)
	for birth, want := range map[string]int{"2012-11-30": 14, "2012-12-01": 13, "1950-01-01": 76, "bad": -1} {
		if got := AgeOn(birth, day); got != want {
			t.Errorf("AgeOn(%s) = %d, want %d", birth, got, want)
		}
	}
}
