package report

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"time"
)

//go:embed assets/report.html assets/report.css assets/report.js
var assets embed.FS

var page = template.Must(template.ParseFS(assets, "assets/report.html"))

// MaxSize is the largest report Write produces (30 MB): past it the data
// is refused rather than written into a page too heavy to open.
const MaxSize = 30 << 20

// pageData fills assets/report.html.
type pageData struct {
	Title, Source, Version string
	AsOf, Generated        string
	CSP                    string
	CSS                    template.CSS
	JS                     template.JS
	Data                   template.JS
}

// hash is a CSP source for an inline element's exact text.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Write renders d as one self-contained HTML page: the CSS, the script and
// the data (JSON, HTML-safe: json.Marshal escapes <, > and &) are inline,
// and a Content-Security-Policy of default-src 'none' with the inline
// style's and script's hashes keeps the page from fetching anything.
func Write(w io.Writer, d *Data, version string) error {
	css, err := assets.ReadFile("assets/report.css")
	if err != nil {
		return fmt.Errorf("read report style: %w", err)
	}
	js, err := assets.ReadFile("assets/report.js")
	if err != nil {
		return fmt.Errorf("read report script: %w", err)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode report data: %w", err)
	}
	if len(data) > MaxSize {
		return fmt.Errorf("write report: its data is %d MB, over the %d MB a browser opens comfortably: narrow the input (--table with --account or --policy)", len(data)>>20, MaxSize>>20)
	}
	csp := "default-src 'none'; style-src " + hash(string(css)) + "; script-src " + hash(string(js)) +
		"; img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
	var buf bytes.Buffer
	err = page.Execute(&buf, pageData{
		Title: d.Title, Source: d.Source, Version: version,
		AsOf: d.AsOf.Format(time.RFC3339), Generated: d.Generated.Format(time.RFC3339),
		CSP: csp, CSS: template.CSS(css), JS: template.JS(js), Data: template.JS(data),
	})
	if err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
