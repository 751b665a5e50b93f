package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strings"
)

// countRows counts a worksheet's <row> elements by scanning its decompressed XML for the
// tag, without parsing it: several times faster than reading the rows, and only done when
// the sheet does not declare its range and someone is watching the progress.
func countRows(data []byte, sheet string) int {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0
	}
	name := sheetPath(zr, sheet)
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return 0
		}
		defer rc.Close()
		return countTags(rc)
	}
	return 0
}

// sheetPath finds a sheet's part through xl/workbook.xml and its relationships.
func sheetPath(zr *zip.Reader, sheet string) string {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if decodePart(zr, "xl/workbook.xml", &wb) != nil || decodePart(zr, "xl/_rels/workbook.xml.rels", &rels) != nil {
		return ""
	}
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rel {
			if r.ID == s.RID {
				if strings.HasPrefix(r.Target, "/") {
					return strings.TrimPrefix(r.Target, "/")
				}
				return path.Join("xl", r.Target)
			}
		}
	}
	return ""
}

func decodePart(zr *zip.Reader, name string, v any) error {
	f, err := zr.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return xml.NewDecoder(f).Decode(v)
}

// countTags counts "<row " and "<row>" (or "<x:row " when the sheet uses a prefix).
func countTags(r io.Reader) int {
	buf := make([]byte, 64<<10)
	var tag []byte
	n, carry := 0, 0
	for {
		m, err := io.ReadFull(r, buf[carry:])
		chunk := buf[:carry+m]
		if tag == nil {
			// The prefix of sheetData is the prefix of row: <sheetData> or <x:sheetData>.
			if i := bytes.Index(chunk, []byte("sheetData")); i > 0 {
				j := bytes.LastIndexByte(chunk[:i], '<')
				if j >= 0 {
					tag = append([]byte{}, chunk[j:i]...)
					tag = append(tag, "row"...)
				}
			}
		}
		end := len(chunk) - 64 // before the row tag is known, keep room for "<x:sheetData"
		if tag != nil {
			for i := 0; ; {
				k := bytes.Index(chunk[i:], tag)
				if k < 0 || i+k+len(tag) >= len(chunk) {
					break
				}
				if c := chunk[i+k+len(tag)]; c == ' ' || c == '>' {
					n++
				}
				i += k + len(tag)
			}
			end = len(chunk) - len(tag)
		}
		if err != nil {
			return n
		}
		// Keep the tail, where a tag may straddle two reads.
		if end < 0 {
			end = 0
		}
		carry = copy(buf, chunk[end:])
	}
}
