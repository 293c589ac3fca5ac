package streaming

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/util/exec"
)

// runtimeStreams stands in for containerd's streaming server: it serves
// SPDY with this package's own server side and runs a tiny "command":
// stdin comes back upper-cased on stdout, stderr says hello, a terminal
// reports its first size, and it exits with ?exit=.
func runtimeStreams(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := parseStreamOptions(r.URL.Query(), false)
		if err != nil {
			writeStatus(w, err)
			return
		}
		sess, err := acceptSPDY(w, r, o)
		if err != nil {
			return
		}
		if sess.sizes != nil {
			if size := sess.sizes.Next(); size != nil {
				fmt.Fprintf(sess.stdout, "%dx%d\n", size.Width, size.Height)
			}
		}
		if sess.stdin != nil {
			in, _ := io.ReadAll(sess.stdin)
			sess.stdout.Write(bytes.ToUpper(in))
		}
		if sess.stderr != nil {
			io.WriteString(sess.stderr, "hello from stderr\n")
		}
		var end error
		if code, _ := strconv.Atoi(r.URL.Query().Get("exit")); code != 0 {
			end = exec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", code), Code: code}
		}
		sess.end(end)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type oneSize struct{ sent bool }

func (q *oneSize) Next() *remotecommand.TerminalSize {
	if q.sent {
		return nil
	}
	q.sent = true
	return &remotecommand.TerminalSize{Width: 80, Height: 24}
}

func TestExec(t *testing.T) {
	env := startAgent(t)
	streams := runtimeStreams(t)
	env.addContainer(t, "ns", "web", "server", 0, "", true)

	executors := map[string]func(u *url.URL) (remotecommand.Executor, error){
		"spdy": func(u *url.URL) (remotecommand.Executor, error) {
			return remotecommand.NewSPDYExecutor(env.client, "POST", u)
		},
		"websocket": func(u *url.URL) (remotecommand.Executor, error) {
			return remotecommand.NewWebSocketExecutor(env.client, "GET", u.String())
		},
	}
	tests := map[string]struct {
		query, runtime string
		stdin          string
		tty            bool
		wantOut        string
		wantErr        string
		wantCode       int
	}{
		"stdin stdout stderr": {query: "stdin=true&stdout=true&stderr=true", runtime: "stdin=1&stdout=1&stderr=1", stdin: "abc\n",
			wantOut: "ABC\n", wantErr: "hello from stderr\n"},
		"exit code": {query: "stdout=true&stderr=true", runtime: "stdout=1&stderr=1&exit=3", wantErr: "hello from stderr\n", wantCode: 3},
		"tty":       {query: "stdout=true&tty=true", runtime: "stdout=1&tty=1", tty: true, wantOut: "80x24\n"},
	}
	for proto, newExec := range executors {
		for name, tt := range tests {
			t.Run(proto+"/"+name, func(t *testing.T) {
				env.rt.StreamURL = streams.URL + "/exec/token?" + tt.runtime
				u, _ := url.Parse(env.url + "/exec/ns/web/server?command=sh&" + tt.query)
				ex, err := newExec(u)
				if err != nil {
					t.Fatal(err)
				}
				var stdout, stderr bytes.Buffer
				opts := remotecommand.StreamOptions{Stdout: &stdout, Tty: tt.tty}
				if strings.Contains(tt.query, "stdin") {
					opts.Stdin = strings.NewReader(tt.stdin)
				}
				if strings.Contains(tt.query, "stderr") {
					opts.Stderr = &stderr
				}
				if tt.tty {
					opts.TerminalSizeQueue = &oneSize{}
				}
				err = ex.StreamWithContext(context.Background(), opts)
				var ee exec.CodeExitError
				switch {
				case tt.wantCode != 0:
					if !errors.As(err, &ee) || ee.Code != tt.wantCode {
						t.Fatalf("err = %v, want exit code %d", err, tt.wantCode)
					}
				case err != nil:
					t.Fatal(err)
				}
				if stdout.String() != tt.wantOut || stderr.String() != tt.wantErr {
					t.Fatalf("stdout %q stderr %q, want %q %q", stdout.String(), stderr.String(), tt.wantOut, tt.wantErr)
				}
			})
		}
	}
}

func TestExecErrors(t *testing.T) {
	env := startAgent(t)
	env.addContainer(t, "ns", "web", "server", 0, "", false)
	client := env.httpClient(t)
	tests := map[string]struct {
		path string
		want int
		msg  string
	}{
		"no command":        {path: "/exec/ns/web/server?stdout=1", want: http.StatusBadRequest, msg: "you must specify at least 1 command"},
		"no streams":        {path: "/exec/ns/web/server?command=ls", want: http.StatusBadRequest, msg: "you must specify at least 1 of stdin, stdout, stderr"},
		"not running":       {path: "/exec/ns/web/server?command=ls&stdout=1", want: http.StatusNotFound, msg: `container not found (\"server\")`},
		"no such container": {path: "/attach/ns/web/other?stdout=1", want: http.StatusNotFound, msg: `container not found (\"other\")`},
		"no sandbox":        {path: "/portForward/ns/gone?port=80", want: http.StatusNotFound, msg: `pod not found (\"ns/gone\")`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := client.Post(env.url+tt.path, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.msg) {
				t.Fatalf("POST %s = %d %s, want %d %s", tt.path, resp.StatusCode, body, tt.want, tt.msg)
			}
		})
	}
}
