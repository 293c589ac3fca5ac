package streaming

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestLogContainer(t *testing.T) {
	c := func(id string, state runtimeapi.ContainerState) *runtimeapi.Container {
		return &runtimeapi.Container{Id: id, State: state}
	}
	running, exited, created := runtimeapi.ContainerState_CONTAINER_RUNNING, runtimeapi.ContainerState_CONTAINER_EXITED, runtimeapi.ContainerState_CONTAINER_CREATED
	tests := map[string]struct {
		list     []*runtimeapi.Container
		previous bool
		want     string
		err      string
	}{
		"running":                    {list: []*runtimeapi.Container{c("b", running), c("a", exited)}, want: "b"},
		"running previous":           {list: []*runtimeapi.Container{c("b", running), c("a", exited)}, previous: true, want: "a"},
		"first run has no previous":  {list: []*runtimeapi.Container{c("a", running)}, previous: true, err: `previous terminated container "web" in pod "p" not found`},
		"backing off shows last run": {list: []*runtimeapi.Container{c("a", exited)}, want: "a"},
		"backing off previous":       {list: []*runtimeapi.Container{c("a", exited)}, previous: true, want: "a"},
		"restarting shows last run":  {list: []*runtimeapi.Container{c("b", created), c("a", exited)}, want: "a"},
		"never started":              {list: []*runtimeapi.Container{c("a", created)}, err: `container "web" in pod "p" is waiting to start: ContainerCreating`},
		"none":                       {err: `container "web" in pod "p" is waiting to start: ContainerCreating`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := logContainer(tt.list, "p", "web", tt.previous)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got.GetId() != tt.want {
				t.Fatalf("got %v, %v; want %s", got.GetId(), err, tt.want)
			}
		})
	}
}

func TestParseLogOptions(t *testing.T) {
	tests := map[string]struct {
		query string
		check func(t *testing.T, q url.Values)
		err   string
	}{
		"all":             {query: "follow=true&previous=1&timestamps=true&tailLines=5&limitBytes=10&sinceSeconds=3"},
		"negative tail":   {query: "tailLines=-1", err: "tailLines: Invalid value: -1: must be greater than or equal to 0"},
		"zero since":      {query: "sinceSeconds=0", err: "sinceSeconds: Invalid value: 0"},
		"both since":      {query: "sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z", err: "at most one of `sinceTime` or `sinceSeconds` may be specified"},
		"bad time":        {query: "sinceTime=yesterday", err: "must be an RFC3339 time"},
		"bad stream":      {query: "stream=Stdin", err: `stream: Unsupported value: "Stdin"`},
		"not a number":    {query: "limitBytes=lots", err: "limitBytes: Invalid value"},
		"time in seconds": {query: "sinceTime=2024-01-01T00:00:00Z"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			opts, err := parseLogOptions(q)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || opts == nil {
				t.Fatalf("parseLogOptions(%q) = %v", tt.query, err)
			}
		})
	}
}

func TestContainerLogs(t *testing.T) {
	env := startAgent(t)
	dir := t.TempDir()
	old, cur := filepath.Join(dir, "0.log"), filepath.Join(dir, "1.log")
	os.WriteFile(old, []byte("2024-01-01T00:00:01Z stdout F before restart\n"), 0o600)
	os.WriteFile(cur, []byte("2024-01-01T00:00:02Z stdout F hello\n2024-01-01T00:00:03Z stderr F world\n"), 0o600)
	first := env.addContainer(t, "ns", "web", "server", 0, old, true)
	env.rt.SetExited(first, 1, "Error")
	env.addContainer(t, "ns", "web", "server", 1, cur, true)
	env.addContainer(t, "ns", "web", "sidecar", 0, filepath.Join(dir, "none.log"), false)
	client := env.httpClient(t)

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(env.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/containerLogs/ns/web/server"); code != 200 || body != "hello\nworld\n" {
		t.Fatalf("current: %d %q", code, body)
	}
	if code, body := get("/containerLogs/ns/web/server?previous=true"); code != 200 || body != "before restart\n" {
		t.Fatalf("previous: %d %q", code, body)
	}
	if code, body := get("/containerLogs/ns/web/server?tailLines=1&timestamps=true"); code != 200 || body != "2024-01-01T00:00:03.000000000Z world\n" {
		t.Fatalf("tail: %d %q", code, body)
	}
	code, body := get("/containerLogs/ns/web/sidecar")
	var st metav1.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil || code != http.StatusBadRequest ||
		st.Message != `container "sidecar" in pod "web" is waiting to start: ContainerCreating` || st.Reason != metav1.StatusReasonBadRequest {
		t.Fatalf("waiting container: %d %s", code, body)
	}
	if code, body := get("/containerLogs/ns/web/server?tailLines=-2"); code != http.StatusUnprocessableEntity {
		t.Fatalf("negative tail: %d %s", code, body)
	}
}
