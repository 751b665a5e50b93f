package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// checkDebugAddr refuses a --debug-addr that is not on the loopback interface: profiles
// show memory contents and the command line, which are for the machine's operator only.
func checkDebugAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--debug-addr %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil // listenDebug checks what it resolved to
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--debug-addr %q：调试端口只能监听本机回环地址，如 127.0.0.1:6060 (the profiling listener serves only on a loopback address, e.g. 127.0.0.1:6060)", addr)
	}
	return nil
}

// listenDebug serves net/http/pprof on addr, a listener of its own, until stop is called.
// The handlers are on a mux of their own too, so the site never serves them.
func (e *env) listenDebug(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, checkDebugAddr(ln.Addr().String())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(e.stdout, "profiling (pprof) on http://%s/debug/pprof/\n", ln.Addr())
	log.Info("profiling listener", "addr", ln.Addr().String())
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}
