package logs

import (
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	ts := time.Date(2016, 10, 6, 0, 17, 9, 669794202, time.UTC)
	tests := map[string]struct {
		line    string
		want    Entry
		wantErr bool
	}{
		"full":           {line: "2016-10-06T00:17:09.669794202Z stdout F log line", want: Entry{Time: ts, Stream: Stdout, Content: []byte("log line")}},
		"partial":        {line: "2016-10-06T00:17:09.669794202Z stderr P part", want: Entry{Time: ts, Stream: Stderr, Partial: true, Content: []byte("part")}},
		"empty content":  {line: "2016-10-06T00:17:09.669794202Z stdout F ", want: Entry{Time: ts, Stream: Stdout, Content: []byte("")}},
		"no tag":         {line: "2016-10-06T00:17:09.669794202Z stdout hello world", want: Entry{Time: ts, Stream: Stdout, Content: []byte("hello world")}},
		"spaces kept":    {line: "2016-10-06T00:17:09.669794202Z stdout F  a  b ", want: Entry{Time: ts, Stream: Stdout, Content: []byte(" a  b ")}},
		"bad time":       {line: "yesterday stdout F x", wantErr: true},
		"bad stream":     {line: "2016-10-06T00:17:09.669794202Z stdin F x", wantErr: true},
		"only timestamp": {line: "2016-10-06T00:17:09.669794202Z", wantErr: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseLine([]byte(tt.line))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseLine(%q) = %+v, want error", tt.line, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Time.Equal(tt.want.Time) || got.Stream != tt.want.Stream || got.Partial != tt.want.Partial || string(got.Content) != string(tt.want.Content) {
				t.Fatalf("ParseLine(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestJoinerKeepsStreamsApart(t *testing.T) {
	var j joiner
	in := []Entry{
		{Stream: Stdout, Partial: true, Content: []byte("he")},
		{Stream: Stderr, Content: []byte("err")},
		{Stream: Stdout, Partial: true, Content: []byte("ll")},
		{Stream: Stdout, Content: []byte("o")},
	}
	var got []string
	for _, e := range in {
		if whole, ok := j.add(e); ok {
			got = append(got, whole.Stream+":"+string(whole.Content))
		}
	}
	want := []string{"stderr:err", "stdout:hello"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("joined %q, want %q", got, want)
	}
}
