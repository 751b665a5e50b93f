package xlsx

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"guangong"
)

// source yields a sheet's rows one at a time, with their row numbers as the spreadsheet
// shows them (1-based), so a 100,000-row file never sits in memory as cells.
type source interface {
	next() (line int, cells []string, ok bool, err error)
	lastLine() int // the sheet's last row number, or an estimate, or 0; for progress only
	close()
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
)

func unreadable(zh, en string) error {
	return &guangong.Error{Code: guangong.EINVALID, Msg: guangong.Msg{Zh: zh, En: en}}
}

var (
	errEmpty    = unreadable("文件是空的", "The file is empty")
	errOldExcel = unreadable("不支持旧版 xls 格式或加密的文件，请在 Excel 或 WPS 中“另存为” xlsx 或 CSV 后再上传",
		"Old .xls files and encrypted files cannot be read; save the sheet as xlsx or CSV and upload it again")
	errNotSheet = unreadable("只能导入 xlsx 或 CSV 文件，请使用下载的模板",
		"Only xlsx and CSV files can be imported; use the downloadable template")
	errBadXlsx = unreadable("无法读取该 xlsx 文件，文件可能已损坏，请重新保存后再上传",
		"The xlsx file cannot be read; it may be damaged. Save it again and upload it")
)

// openSheets opens data as xlsx (by content) or CSV (by name or content) and calls try on
// each sheet in turn until try accepts one; try returns false to move to the next sheet.
func openSheets(data []byte, filename string, try func(source) (bool, error)) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errEmpty
	}
	ext := strings.ToLower(filepath.Ext(filename))
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return openXlsx(data, try)
	case bytes.HasPrefix(data, oleMagic) || ext == ".xls" || ext == ".et":
		return errOldExcel
	case ext == ".xlsx" || ext == ".xlsm":
		return errBadXlsx
	case ext == ".csv" || ext == ".txt" || ext == "" || looksLikeText(data):
		src, err := openCSV(data)
		if err != nil {
			return err
		}
		defer src.close()
		_, err = try(src)
		return err
	}
	return errNotSheet
}

func looksLikeText(data []byte) bool {
	head := data[:min(len(data), 4096)]
	return bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) ||
		bytes.IndexByte(head, 0) < 0
}

func openXlsx(data []byte, try func(source) (bool, error)) error {
	// Raw values: a date cell gives its serial number and a number its digits, whatever
	// the display format; the columns' parsers know both.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) {
			return errOldExcel
		}
		return errBadXlsx
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			return errBadXlsx
		}
		// The declared range is read before the rows' reader starts: excelize's File is
		// not for concurrent use. countRows reads data on its own.
		dim := dimensionLastRow(f, sheet)
		src := prefetch(&xlsxSource{rows: rows}, func() int {
			if dim > 1 {
				return dim
			}
			return countRows(data, sheet)
		})
		ok, err := try(src)
		src.close()
		if ok || err != nil {
			return err
		}
	}
	return nil
}

// dimensionLastRow reads the sheet's declared range (A1:T100001) without loading the sheet;
// it only sizes the progress bar. Excel and WPS declare it; excelize writes A1.
func dimensionLastRow(f *excelize.File, sheet string) int {
	ref, err := f.GetSheetDimension(sheet)
	if err != nil {
		return 0
	}
	if i := strings.IndexByte(ref, ':'); i >= 0 {
		ref = ref[i+1:]
	}
	_, row, err := excelize.CellNameToCoordinates(ref)
	if err != nil {
		return 0
	}
	return row
}

type xlsxSource struct {
	rows *excelize.Rows
	line int
}

func (s *xlsxSource) next() (int, []string, bool, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, false, errBadXlsx
		}
		return 0, nil, false, nil
	}
	// The iterator also yields the rows a sheet leaves out (blank ones), so counting
	// calls gives the row number the spreadsheet shows.
	s.line++
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, false, errBadXlsx
	}
	return s.line, cells, true, nil
}

func (s *xlsxSource) lastLine() int { return 0 }
func (s *xlsxSource) close()        { _ = s.rows.Close() }

// prefetched reads its source's rows in a goroutine of its own, a few hundred ahead:
// parsing the sheet's XML is most of a check, and the rows' checks (and the count of rows
// for the progress bar) then run beside it instead of after it. The source must not
// reuse its cells between rows.
type prefetched struct {
	rows  chan []fetchedRow
	stop  chan struct{}
	done  chan struct{}
	buf   []fetchedRow
	ended bool
	err   error
	last  func() int
	in    source
}

type fetchedRow struct {
	line  int
	cells []string
	err   error
	end   bool
}

const prefetchRows = 256

func prefetch(in source, last func() int) *prefetched {
	p := &prefetched{rows: make(chan []fetchedRow, 4), stop: make(chan struct{}), done: make(chan struct{}), last: last, in: in}
	go func() {
		defer close(p.done)
		batch := make([]fetchedRow, 0, prefetchRows)
		for {
			line, cells, ok, err := in.next()
			r := fetchedRow{line: line, cells: cells, err: err, end: !ok || err != nil}
			batch = append(batch, r)
			if len(batch) == prefetchRows || r.end {
				select {
				case p.rows <- batch:
				case <-p.stop:
					return
				}
				if r.end {
					return
				}
				batch = make([]fetchedRow, 0, prefetchRows)
			}
		}
	}()
	return p
}

func (p *prefetched) next() (int, []string, bool, error) {
	if p.ended {
		return 0, nil, false, p.err
	}
	if len(p.buf) == 0 {
		p.buf = <-p.rows
	}
	r := p.buf[0]
	p.buf = p.buf[1:]
	if r.end {
		p.ended, p.err = true, r.err
		return 0, nil, false, r.err
	}
	return r.line, r.cells, true, nil
}

func (p *prefetched) lastLine() int { return p.last() }

// close stops the reader and waits for it before closing the source.
func (p *prefetched) close() {
	close(p.stop)
	<-p.done
	p.in.close()
}

// openCSV decodes data as UTF-16 (with its BOM, as Excel's "Unicode text" writes it),
// UTF-8 (with or without BOM) when it is valid UTF-8, and GB18030 otherwise: GB18030 is a
// superset of GBK and GB2312, which older Excel and WPS versions write on Chinese Windows.
func openCSV(data []byte) (source, error) {
	text := func() io.Reader {
		switch {
		case bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
			return transform.NewReader(bytes.NewReader(data), unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		case utf8.Valid(data):
			return bytes.NewReader(bytes.TrimPrefix(data, utf8BOM))
		default:
			return transform.NewReader(bytes.NewReader(data), simplifiedchinese.GB18030.NewDecoder())
		}
	}
	cr := csv.NewReader(text())
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	cr.Comma = delimiter(text())
	return &csvSource{r: cr, last: bytes.Count(data, []byte{'\n'}) + 1}, nil
}

// delimiter guesses tab-separated text (Excel's "Unicode text") from the first line. It
// reads the decoded text: in UTF-16 a character's byte may equal '\n', '\t' or ','
// (上 is 0A 4E), so the raw bytes would cut the line short or miscount.
func delimiter(text io.Reader) rune {
	first := make([]byte, 4096)
	n, _ := io.ReadFull(text, first)
	first = first[:n]
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	if bytes.Count(first, []byte{'\t'}) > bytes.Count(first, []byte{','}) {
		return '\t'
	}
	return ','
}

type csvSource struct {
	r     *csv.Reader
	inner int // line breaks inside the quoted cells read so far
	last  int
}

// next numbers the rows as a spreadsheet shows the file: an empty line, which the CSV
// reader skips, is an empty row there, and a quoted cell's line breaks stay in its row.
func (s *csvSource) next() (int, []string, bool, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return 0, nil, false, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, false, unreadable("CSV 文件第"+strconv.Itoa(pe.Line)+"行格式有误，无法读取",
				"The CSV file cannot be read at line "+strconv.Itoa(pe.Line))
		}
		return 0, nil, false, unreadable("无法读取该 CSV 文件", "The CSV file cannot be read")
	}
	start, _ := s.r.FieldPos(0)
	line := start - s.inner
	for _, cell := range rec {
		s.inner += strings.Count(cell, "\n")
	}
	return line, rec, true, nil
}

func (s *csvSource) lastLine() int { return s.last }
func (s *csvSource) close()        {}

// headerScan is how many rows above the header may hold a title (低庄镇五老名册…).
const headerScan = 10

// header finds the header row among the first rows: the first with at least two known
// column names. It returns, for each cell index of the sheet, the column it holds (-1 for
// columns the template does not know, which are ignored).
func header[T any](src source, cols []column[T]) (line int, idx []int, found bool, err error) {
	known := make(map[string]int, len(cols))
	for i, c := range cols {
		known[headerKey(c.header)] = i
	}
	for range headerScan {
		n, cells, ok, err := src.next()
		if err != nil || !ok {
			return 0, nil, false, err
		}
		idx = make([]int, len(cells))
		matched, seen := 0, make(map[int]bool)
		for j, h := range cells {
			idx[j] = -1
			if c, ok := known[headerKey(h)]; ok && !seen[c] {
				idx[j], seen[c] = c, true
				matched++
			}
		}
		if matched >= 2 {
			var missing []string
			for i, c := range cols {
				if c.required && !seen[i] {
					missing = append(missing, c.header)
				}
			}
			if len(missing) > 0 {
				return 0, nil, true, unreadable("缺少必填列："+strings.Join(missing, "、")+"。请使用下载的模板，不要删除或改名这些列",
					"Required columns are missing: "+strings.Join(missing, ", ")+". Use the downloadable template")
			}
			return n, idx, true, nil
		}
	}
	return 0, nil, false, nil
}

func errNoHeader[T any](cols []column[T]) error {
	var req []string
	for _, c := range cols {
		if c.required {
			req = append(req, c.header)
		}
	}
	return unreadable("找不到表头：第一行应为模板中的列名（"+strings.Join(req, "、")+"等）。请使用下载的模板",
		"No header row found: the first row must hold the template's column names. Use the downloadable template")
}
