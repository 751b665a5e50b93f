// Package httpx holds the HTTP plumbing shared by the pages and the API: request ids,
// the client address, access logs and metrics.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"guangong"
)

type ctxKey int

const requestIDKey ctxKey = 1

// RequestID returns the id the middleware gave this request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// ClientIP is the address of the peer. X-Forwarded-For is honoured only when the server
// is configured to sit behind one trusted proxy, and then only its last entry: that is the
// one the proxy appended; anything left of it came from the client and may be forged.
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := strings.TrimSpace(last); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// IsTLS reports whether the browser reached us over TLS (directly or through a proxy
// we trust), which decides the cookies' Secure flag.
func IsTLS(r *http.Request, trustProxy bool) bool {
	return r.TLS != nil || (trustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

// BaseURL is the address people reach the site at, for links that leave the browser (a QR
// code printed on a sign): public when configured, else the scheme and host of request r.
func BaseURL(r *http.Request, trustProxy bool, public string) string {
	if public != "" {
		return strings.TrimRight(public, "/")
	}
	scheme := "http"
	if IsTLS(r, trustProxy) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// CheckPublicURL tells whether s can serve as BaseURL's public address: http or https,
// with a host, and no query or fragment.
func CheckPublicURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("public URL %q: want http(s)://host[:port][/path]", s)
	}
	return nil
}

// plainID reports whether s is 1-64 letters, digits and hyphens.
func plainID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observe gives each request an id, logs it when done, and counts it in m (if not nil).
// route names the matched pattern so that metrics do not grow a series per URL.
func Observe(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// A proxy's request id is kept so logs line up, but only a plain one: it ends up
		// in the audit trail, where a client must not be able to write free text.
		id := r.Header.Get("X-Request-Id")
		if !plainID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		if m != nil {
			m.observe(r.Method, r.Pattern, sw.status, elapsed)
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes),
			slog.Duration("duration", elapsed))
	})
}

// Metrics holds the Prometheus-format counters; nil when metrics are switched off.
type Metrics struct {
	set *metrics.Set
}

// NewMetrics makes an empty metrics set. dbStats, if given, is sampled at scrape time.
func NewMetrics(dbStats func() map[string]float64) *Metrics {
	m := &Metrics{set: metrics.NewSet()}
	if dbStats != nil {
		for _, name := range []string{"open", "in_use", "idle", "wait_count", "wait_seconds"} {
			name := name
			m.set.NewGauge("guangong_db_connections_"+name, func() float64 { return dbStats()[name] })
		}
	}
	return m
}

func (m *Metrics) observe(method, pattern string, status int, d time.Duration) {
	if pattern == "" {
		pattern = "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:] // the method is its own label
	}
	labels := `{method="` + method + `",route="` + escape(pattern) + `",status="` + strconv.Itoa(status) + `"}`
	m.set.GetOrCreateCounter("guangong_http_requests_total" + labels).Inc()
	m.set.GetOrCreateHistogram(`guangong_http_request_duration_seconds{route="` + escape(pattern) + `"}`).Update(d.Seconds())
}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// Handler serves the metrics in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		m.set.WritePrometheus(w)
		metrics.WriteProcessMetrics(w)
	})
}

// StatusOf is the one mapping from domain error codes to HTTP statuses, for pages and API.
func StatusOf(err error) int {
	switch guangong.ErrorCode(err) {
	case guangong.EINVALID:
		return http.StatusUnprocessableEntity
	case guangong.ENOTFOUND:
		return http.StatusNotFound
	case guangong.ECONFLICT:
		return http.StatusConflict
	case guangong.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case guangong.EFORBIDDEN:
		return http.StatusForbidden
	case guangong.ELOCKED:
		return http.StatusLocked
	}
	return http.StatusInternalServerError
}
