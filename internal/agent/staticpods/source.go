package staticpods

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// DefaultInterval is how often the manifest dir and the mirror pods are
// checked.
const DefaultInterval = 5 * time.Second

// Config says where manifests are and which node runs them.
type Config struct {
	// Dir holds the manifests (--pod-manifest-path, e.g. <data>/manifests).
	// A missing dir means no static pods.
	Dir      string
	NodeName string
	// NodeUID gives the Node's UID for the mirror pods' owner reference.
	// Optional: by default the Node is read from the API server.
	NodeUID func() types.UID
	Client  kubernetes.Interface
	// Interval defaults to DefaultInterval.
	Interval time.Duration
	// Clock defaults to the real clock; Log to slog.Default().
	Clock clock.WithTicker
	Log   *slog.Logger
}

// Source keeps the mirror pods of the manifests in Dir.
type Source struct {
	cfg Config
	// seen is when each manifest hash was first read, for config.seen.
	seen map[string]time.Time
}

// New applies defaults.
func New(cfg Config) *Source {
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Source{cfg: cfg, seen: map[string]time.Time{}}
}

// Run syncs every Interval until ctx ends; errors are logged and retried.
func (s *Source) Run(ctx context.Context) {
	t := s.cfg.Clock.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if err := s.sync(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn("Static pods not synced", "dir", s.cfg.Dir, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
	}
}

// sync makes the mirror pods match the manifests once.
func (s *Source) sync(ctx context.Context) error {
	cfg := s.cfg
	uid, err := s.nodeUID(ctx)
	if err != nil {
		return err
	}
	want := s.read(nodeOwner(cfg.NodeName, uid))
	list, err := cfg.Client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", cfg.NodeName).String()})
	if err != nil {
		return fmt.Errorf("list pods on node %s: %w", cfg.NodeName, err)
	}
	var mirrors []v1.Pod
	for _, p := range list.Items {
		if isMirrorOn(&p, cfg.NodeName) {
			mirrors = append(mirrors, p)
		}
	}
	create, remove := plan(want, mirrors)
	for _, p := range remove {
		// Grace 0 as kubelet: the mirror is a record, its containers are
		// stopped by the agent when the pod goes.
		opts := metav1.DeleteOptions{GracePeriodSeconds: new(int64), Preconditions: &metav1.Preconditions{UID: &p.UID}}
		if err := cfg.Client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, opts); err != nil && !apierrors.IsNotFound(err) {
			cfg.Log.Warn("Mirror pod not deleted", "pod", key(&p), "err", err)
			continue
		}
		cfg.Log.Info("Deleted mirror pod", "pod", key(&p))
		if _, still := want[key(&p)]; still {
			// Replaced below once gone; a graceful delete may take a sync.
			if _, err := cfg.Client.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{}); err == nil {
				create = slices.DeleteFunc(create, func(c *v1.Pod) bool { return key(c) == key(&p) })
			}
		}
	}
	for _, p := range create {
		if _, err := cfg.Client.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			cfg.Log.Warn("Mirror pod not created", "pod", key(p), "err", err)
			continue
		}
		cfg.Log.Info("Created mirror pod", "pod", key(p), "hash", p.Annotations[ConfigHashAnnotation])
	}
	return nil
}

func (s *Source) nodeUID(ctx context.Context) (types.UID, error) {
	if s.cfg.NodeUID != nil {
		if uid := s.cfg.NodeUID(); uid != "" {
			return uid, nil
		}
	}
	n, err := s.cfg.Client.CoreV1().Nodes().Get(ctx, s.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("get node %s for its static pods: %w", s.cfg.NodeName, err)
	}
	return n.UID, nil
}

// read parses every manifest in Dir into its mirror pod, keyed
// namespace/name. Hidden files and directories are skipped; bad manifests
// and a second manifest for the same pod are logged and skipped.
func (s *Source) read(owner metav1.OwnerReference) map[string]*v1.Pod {
	cfg := s.cfg
	want := map[string]*v1.Pod{}
	entries, err := os.ReadDir(cfg.Dir)
	if err != nil {
		if !os.IsNotExist(err) {
			cfg.Log.Warn("Static pod manifests unreadable", "dir", cfg.Dir, "err", err)
		}
		return want
	}
	seen := map[string]time.Time{}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(cfg.Dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			cfg.Log.Warn("Static pod manifest unreadable", "file", path, "err", err)
			continue
		}
		pod, err := parse(data)
		if err != nil {
			cfg.Log.Warn("Static pod manifest skipped", "file", path, "err", err)
			continue
		}
		h := hash(pod, cfg.NodeName)
		first, ok := s.seen[h]
		if !ok {
			first = cfg.Clock.Now()
		}
		seen[h] = first
		m := mirrorPod(pod, cfg.NodeName, owner, first)
		if other, dup := want[key(m)]; dup {
			cfg.Log.Warn("Static pod manifest skipped: pod already defined", "file", path, "pod", key(m), "hash", other.Annotations[ConfigHashAnnotation])
			continue
		}
		want[key(m)] = m
	}
	s.seen = seen
	return want
}
