package pods

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"

	"github.com/bosun-dev/bosun/internal/agent/containerconfig"

	v1 "k8s.io/api/core/v1"
)

// Kubernetes' limits on a termination message: the file is read up to 4 KiB;
// the log fallback takes the last 80 lines, at most 2 KiB of them.
const (
	maxTermMsgFile  = 4096
	fallbackLines   = 80
	fallbackBytes   = 2048
	maxLogTailBytes = 64 << 10
)

// readTerminationMessages fills in the message of each exited container from
// its termination message file or, under FallbackToLogsOnError, from the end
// of its log.
func (m *Manager) readTerminationMessages(log *slog.Logger, pod *v1.Pod, rt *runtimePod) {
	for i := range rt.Containers {
		c := &rt.Containers[i]
		if !c.exited() || c.Message != "" {
			continue
		}
		spec := containerconfig.FindContainer(pod, c.Name)
		if spec == nil {
			continue
		}
		if c.TermMsgHostPath != "" {
			b, err := readHead(c.TermMsgHostPath, maxTermMsgFile)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				log.Warn("Read termination message failed", "container", c.Name, "err", err)
			}
			c.Message = string(b)
		}
		if c.Message == "" && c.ExitCode != 0 && spec.TerminationMessagePolicy == v1.TerminationMessageFallbackToLogsOnError && c.LogPath != "" {
			b, err := readTail(c.LogPath, maxLogTailBytes)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				log.Warn("Read container log failed", "container", c.Name, "err", err)
			}
			c.Message = logTail(b, fallbackLines, fallbackBytes)
		}
	}
}

func readHead(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

func readTail(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if off := st.Size() - n; off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(f)
}

// logTail returns the content of the last lines of a CRI-format log
// ("<time> <stream> <P|F> <content>" per line), joining partial lines and
// keeping at most maxLines lines and maxBytes bytes.
func logTail(data []byte, maxLines, maxBytes int) string {
	var lines [][]byte
	var cur []byte
	for raw := range bytes.SplitSeq(data, []byte{'\n'}) {
		f := bytes.SplitN(raw, []byte{' '}, 4)
		if len(f) < 3 {
			continue
		}
		var content []byte
		if len(f) == 4 {
			content = f[3]
		}
		cur = append(cur, content...)
		if string(f[2]) != "P" {
			lines = append(lines, append(cur, '\n'))
			cur = nil
		}
	}
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	out := bytes.Join(lines, nil)
	if len(out) > maxBytes {
		out = out[len(out)-maxBytes:]
	}
	return string(out)
}
